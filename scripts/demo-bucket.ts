/**
 * Makes the README's embedded default: the tutorial's app crashed for real, its core packaged the way
 * core-dump-handler uploads it (today's zip, and the 2020 loose layout), in a folder laid out like the
 * bucket. Usage: node dist/scripts/demo-bucket.js FOLDER
 */
import { rm } from "node:fs/promises";
import { defaultSpec, looseDump, writeToDirectory, zipDump } from "../tests/support/handler-layout.js";
import { realCore } from "../tests/support/real-core.js";

const folder = process.argv[2];
if (!folder) {
  process.stderr.write("usage: demo-bucket FOLDER\n");
  process.exit(2);
}

const crash = await realCore();
const now = Math.floor(Date.now() / 1000);
const base = { core: crash.core, pid: crash.pid, signal: crash.signal, exePath: crash.node };
await rm(folder, { recursive: true, force: true });
await writeToDirectory(
  [
    ...zipDump(
      defaultSpec({
        ...base,
        timestamp: now - 60,
        containers: [{ name: "crashing-app", log: crash.stderr }],
      }),
    ),
    ...looseDump(
      defaultSpec({
        ...base,
        timestamp: now - 3600,
        hostname: "crashing-app-699c49b4ff-q7x2m",
        pod: "crashing-app-699c49b4ff-q7x2m",
      }),
    ),
  ],
  folder,
);
process.stderr.write(
  `crashed ${crash.node} (${crash.nodeVersion}, signal ${crash.signal}); dumps in ${folder}\n`,
);
