/**
 * `coredump report` on the minified TypeScript service (tests/support/mapped-service.ts: esbuild, external map
 * with sourcesContent, an uncaught exception) with its maps and without: two dumps of the same core in one
 * folder (`--dir`), one whose image on the rig's registry holds the bundle and its map, one whose image
 * holds none of it (what it lacks is cached too). `--no-executable`: the figures are the core's text and
 * the maps, not a debugger. Warm: each dump fetched and its maps cached once first.
 *
 *     bench/source-maps.sh [--runs 7] [--node 22.22.0]
 *
 * Goal (issue 21): mapping adds at most 0.5 s warm. Every figure is the wall time of a whole process; the
 * first run of each contender checks its output (the top frame mapped to displayName, or not mapped).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { pushFilesImage } from "../tests/support/app-image.js";
import { freshCacheHome } from "../tests/support/cli.js";
import { crashSpec } from "../tests/support/crash-dumps.js";
import { writeToDirectory, zipDump } from "../tests/support/handler-layout.js";
import { printedFrames, serviceCrash } from "../tests/support/mapped-service.js";
import { callerEnv, coredumpBin, goal, loads, log, whole } from "./common.js";
import { type Checked, type Command, run, table, timeChecked } from "./timing.js";

const { values: options } = parseArgs({
  options: { runs: { type: "string", default: "7" }, node: { type: "string", default: "22.22.0" } },
});
const runs = whole("runs", options.runs, 1);
const version = options.node;

log(`the minified service's crash on Node ${version} (cached after the first run)`);
const crash = await serviceCrash("esbuild", "throw", version);
const [expected] = printedFrames(crash.mappedStderr);
const dir = await mkdtemp(path.join(tmpdir(), "coredump-bench-srcmaps-"));
const workdir = await mkdtemp(path.join(tmpdir(), "coredump-bench-srcmaps-work-"));
const withMaps = crashSpec(crash, await pushFilesImage(crash.files, "bench-srcmaps"));
const withoutMaps = crashSpec(crash, await pushFilesImage([], "bench-srcmaps-none"));
for (const spec of [withMaps, withoutMaps]) await writeToDirectory(zipDump(spec), dir);
const env = { ...callerEnv(true), XDG_CACHE_HOME: freshCacheHome() };

function command(id: string): Command {
  return {
    program: process.execPath,
    args: [coredumpBin, "report", id, "--dir", dir, "--workdir", workdir, "--no-executable", "--json"],
    env,
  };
}

function topFrame(stdout: string): { original?: { function: string } } | undefined {
  return (JSON.parse(stdout) as { jsStack: Array<{ original?: { function: string } }> }).jsStack[0];
}

try {
  for (const spec of [withMaps, withoutMaps]) await run(command(spec.uuid));
  const contenders: Array<Checked<string>> = [
    {
      name: "with maps",
      runs,
      command: () => command(withMaps.uuid),
      check: async (outcome) => {
        const top = topFrame(outcome.stdout);
        if (top?.original?.function !== expected?.function)
          throw new Error(
            `report with maps: the top frame is ${JSON.stringify(top)}, not ${expected?.function}`,
          );
      },
    },
    {
      name: "without maps",
      runs,
      command: () => command(withoutMaps.uuid),
      check: async (outcome) => {
        if (topFrame(outcome.stdout)?.original) throw new Error("report without maps mapped a frame");
      },
    },
  ];
  const timings = await timeChecked(contenders, "report with and without maps", log);
  console.log(
    `report --no-executable on the minified service, Node ${version} (load ${loads()}), ${runs} runs each, warm`,
  );
  const base = timings["without maps"];
  for (const line of table(
    [
      ["with maps", timings["with maps"]],
      ["without maps", base],
    ],
    [["without maps", base]],
  ))
    console.log(line);
  const added = (timings["with maps"]?.median ?? 0) - (base?.median ?? 0);
  console.log(
    `  mapping adds ${(added * 1000).toFixed(0)} ms (medians); goal at most 0.5 s warm: ${goal(added <= 0.5)}`,
  );
} finally {
  await rm(workdir, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
}
