/**
 * `coredump groups` over many dumps of the minified TypeScript service (tests/support/mapped-service.ts:
 * esbuild, an uncaught exception) that no report has read, spread over images on the rig's registry that
 * each hold the bundle and its map (and a file of their own, so that each has its own digest): with the
 * logged frames named through the images' maps, and with `--no-source-maps`. Each dump has the 64-byte
 * placeholder core and the crash's real log. Warm: each contender runs once first (the metadata cache, and
 * the maps read once per image).
 *
 *     bench/groups-maps.sh [--dumps 10000] [--images 20] [--runs 5] [--node 22.22.0]
 *
 * Goal (issue 21): `groups` with maps at most 1.3× `groups` without, warm. The first timed run of each
 * contender checks its output: one group, named by the original function, or not.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { pushFilesImage } from "../tests/support/app-image.js";
import { freshCacheHome } from "../tests/support/cli.js";
import { defaultSpec, writeToDirectory, zipDump } from "../tests/support/handler-layout.js";
import { printedFrames, serviceCrash } from "../tests/support/mapped-service.js";
import { callerEnv, coredumpBin, goal, loads, log, whole } from "./common.js";
import { type Checked, type Command, run, table, timeChecked } from "./timing.js";

const { values: options } = parseArgs({
  options: {
    dumps: { type: "string", default: "10000" },
    images: { type: "string", default: "20" },
    runs: { type: "string", default: "5" },
    node: { type: "string", default: "22.22.0" },
  },
});
const dumps = whole("dumps", options.dumps, 1);
const imageCount = whole("images", options.images, 1);
const runs = whole("runs", options.runs, 1);
const version = options.node;

log(`the minified service's crash on Node ${version} (cached after the first run)`);
const crash = await serviceCrash("esbuild", "throw", version);
const [expected] = printedFrames(crash.mappedStderr);
const dir = await mkdtemp(path.join(tmpdir(), "coredump-bench-groups-maps-"));
const markers = await mkdtemp(path.join(tmpdir(), "coredump-bench-groups-markers-"));
log(`${imageCount} images, each with the bundle, its map and a marker of its own`);
const images = [];
for (let index = 0; index < imageCount; index++) {
  const marker = path.join(markers, `build-${index}`);
  await writeFile(marker, `build ${index}\n`);
  images.push(
    await pushFilesImage([...crash.files, [marker, "/etc/build-marker"]], `bench-groups-maps-${index}`),
  );
}
log(`${dumps} dumps in ${dir}`);
const now = Math.floor(Date.now() / 1000);
for (let index = 0; index < dumps; index++) {
  const spec = defaultSpec({
    uuid: randomUUID(),
    timestamp: now - index * 60,
    pid: crash.pid,
    signal: crash.signal,
    image: images[index % images.length],
    containers: [{ name: "app", log: crash.stderr }],
  });
  await writeToDirectory(zipDump(spec), dir);
}
const env = { ...callerEnv(true), XDG_CACHE_HOME: freshCacheHome() };

function command(flags: string[]): Command {
  return { program: process.execPath, args: [coredumpBin, "groups", "--dir", dir, "--json", ...flags], env };
}

function titles(stdout: string): string[] {
  return (JSON.parse(stdout) as Array<{ title: string }>).map(({ title }) => title);
}

try {
  log("warming: each contender once (the metadata cache; the maps, once per image)");
  for (const flags of [[], ["--no-source-maps"]]) await run(command(flags));
  const named = new RegExp(` at ${expected?.function} `);
  const contenders: Array<Checked<string>> = [
    {
      name: "with maps",
      runs,
      command: () => command([]),
      check: async (outcome) => {
        const found = titles(outcome.stdout);
        if (found.length !== 1 || !named.test(found[0] ?? ""))
          throw new Error(
            `groups with maps: ${JSON.stringify(found)}, not one group at ${expected?.function}`,
          );
      },
    },
    {
      name: "without maps",
      runs,
      command: () => command(["--no-source-maps"]),
      check: async (outcome) => {
        if (titles(outcome.stdout).some((title) => named.test(title)))
          throw new Error("groups --no-source-maps named a frame as the source does");
      },
    },
  ];
  const timings = await timeChecked(contenders, "groups with and without maps", log);
  console.log(
    `groups --json over ${dumps} dumps from ${imageCount} images, Node ${version}'s crash (load ${loads()}), ${runs} runs each, warm`,
  );
  const base = timings["without maps"];
  const mapped = timings["with maps"];
  for (const line of table(
    [
      ["with maps", mapped],
      ["without maps", base],
    ],
    [["without maps", base]],
  ))
    console.log(line);
  const ratio = (mapped?.median ?? 0) / Math.max(1e-9, base?.median ?? 0);
  console.log(
    `  with maps / without: ${ratio.toFixed(2)}× (medians); goal at most 1.3×: ${goal(ratio <= 1.3)}`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
  await rm(markers, { recursive: true, force: true });
}
