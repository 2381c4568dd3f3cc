/**
 * Pulling node out of an image through a registry that answers 503 to every second request, against the
 * same pull from the registry as it is: the rig's open registry (127.0.0.1:5000), an image of a tiny base
 * layer and the official Node build at /usr/local/bin/node (tests/support/app-image.ts), each pull a fresh
 * process (bench/support/pull-node.ts) that verifies the file's sha256. The faulty registry is an HTTP
 * fault proxy (tests/support/fault-proxy.ts) in front of the same one. The checked runs are the first
 * samples; the rest take turns (bench/timing.ts). bench/registry-faults.sh starts the rigs, builds, runs.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { sha256File } from "../src/util/sha256-file.js";
import { pushAppImage } from "../tests/support/app-image.js";
import { HttpFaultProxy } from "../tests/support/fault-proxy.js";
import { officialNode } from "../tests/support/node-builds.js";
import { callerEnv, loads, log, whole } from "./common.js";
import { type Checked, table, timeChecked } from "./timing.js";

const { values: options } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    node: { type: "string", default: "20.20.2" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (options.help) {
  process.stdout.write("usage: node dist/bench/registry-faults.js [--runs 5] [--node 20.20.2]\n");
  process.exit(0);
}
const runs = whole("runs", options.runs, 2);
const pullNode = path.join(path.dirname(fileURLToPath(import.meta.url)), "support", "pull-node.js");

const node = await officialNode(options.node);
const digest = await sha256File(node);
const image = await pushAppImage(node, "/usr/local/bin/node", `bench-faults-${options.node}`);
const clean = image.repo.split("/")[0] ?? "";
const repository = image.repo.slice(clean.length + 1);
const proxy = await HttpFaultProxy.start(`http://${clean}`, (index) =>
  index % 2 === 0 ? { status: 503 } : undefined,
);
log(`image ${image.repo}:${image.tag}, node ${options.node}; load ${loads()}`);

type Name = "clean" | "503 every second";
const contender = (name: Name, registry: string): Checked<Name> => ({
  name,
  runs,
  command: () => ({
    program: process.execPath,
    args: [pullNode, `${registry}/${repository}:${image.tag}`, digest],
    env: callerEnv(true),
  }),
  check: async () => undefined, // pull-node.js exits 1 unless the file's sha256 is the official build's
});
try {
  const before = proxy.requests.length;
  const timings = await timeChecked(
    [contender("clean", clean), contender("503 every second", proxy.registry)],
    "pull of node",
    log,
    "the official build's sha256",
  );
  const seen = proxy.requests.slice(before);
  const faulted = seen.filter((request) => request.faulted === 503).length;
  const lines = [
    `Pull of /usr/local/bin/node (Node ${options.node}) from the rig's open registry, ${runs} runs each, load ${loads()}:`,
    ...table(
      [
        ["clean", timings.clean],
        ["503 every second", timings["503 every second"]],
      ],
      [["clean", timings.clean]],
    ),
    `Through the fault proxy: ${seen.length} requests, ${faulted} of them answered 503; every pull succeeded.`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
} finally {
  await proxy.stop();
}
