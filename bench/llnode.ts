/**
 * The project's llnode (4.0.0 with llnode/patches) against llnode 4.0.0 as published, side by side, on the
 * tutorial's crash under the official builds of Node 16, 18, 20, 22 and 24 (real cores,
 * tests/support/real-core.ts): lldb in batch with `v8 bt`, `v8 findjsobjects` and
 * `v8 findjsinstances -d TypeError`, on a copy of node without DWARF (what `coredump debug` runs). The
 * project's plugin reads more (call sites, builtin sources, class names); this measures what that costs.
 * Each contender's first run checks its output. On 22 and 24 the published plugin reads nothing and is
 * fast for it: its time is there for completeness, and its check only asks that lldb ran.
 *
 * Then `v8 bt` alone on the optimized hot path (tests/support/optimized-core.ts), where the project's plugin
 * also reads deoptimization data and baseline code's offset tables.
 *
 * Then the time to build each plugin from an empty cache (`llnode/build.sh`, `--published`), taking turns.
 * bench/llnode.sh builds and runs this.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { lldbEnvironment } from "../src/debuggers/lldb-environment.js";
import { strippedCopy } from "../src/debuggers/strip-debug.js";
import { readExecutableInfo } from "../src/elf/index.js";
import { projectLlnode, publishedLlnode } from "../tests/support/llnode-plugin.js";
import { officialNode } from "../tests/support/node-builds.js";
import { type OptimizedWay, optimizedCore } from "../tests/support/optimized-core.js";
import { realCore } from "../tests/support/real-core.js";
import { repoRoot } from "../tests/support/repo-root.js";
import { loads, log, whole } from "./common.js";
import { type Checked, type Command, format, ratio, type Timing, table, timeChecked } from "./timing.js";

const VERSIONS = ["16.20.2", "18.20.4", "20.20.2", "22.22.0", "24.11.0"];
const READ_BY_PUBLISHED = new Set(["16.20.2", "18.20.4", "20.20.2"]);
const COMMANDS = ["v8 bt", "v8 findjsobjects", "v8 findjsinstances -d TypeError"];
const OPTIMIZED: Array<[string, OptimizedWay]> = [
  ["18.20.4", "turbofan"],
  ["20.20.2", "turbofan"],
  ["22.22.0", "turbofan"],
  ["24.11.0", "turbofan"],
  ["24.11.0", "maglev"],
];
type Name = "project" | "published";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "7" }, "build-runs": { type: "string", default: "3" } },
});
const runs = whole("runs", values.runs);
const buildRuns = whole("build-runs", values["build-runs"], 0);

const work = await mkdtemp(path.join(tmpdir(), "coredump-bench-llnode-"));
const script = path.join(work, "commands.lldb");
await writeFile(script, `${COMMANDS.join("\n")}\n`);
const plugins: Record<Name, string> = { project: await projectLlnode(), published: await publishedLlnode() };
const lines = [`llnode plugins on the tutorial's crash; ${runs} runs each, taking turns; loads ${loads()}`];

/** lldb with each plugin on one core, taking turns; `check` sees each contender's first output. */
async function compare(
  label: string,
  node: string,
  core: string,
  commands: string,
  check: (name: Name, stdout: string) => void,
): Promise<Record<Name, Timing>> {
  const { buildId } = await readExecutableInfo(node);
  const binary = await strippedCopy(
    node,
    buildId,
    path.join(repoRoot(), ".cache", "nodebug"),
    process.env.PATH ?? "",
  );
  const command = (name: Name): Command => ({
    program: "lldb",
    args: [
      "--batch",
      "-o",
      `plugin load ${plugins[name]}`,
      "-o",
      `command source -e false ${commands}`,
      "-c",
      core,
      binary,
    ],
    env: lldbEnvironment("lldb", process.env),
  });
  const contenders: Array<Checked<Name>> = (["project", "published"] as const).map((name) => ({
    name,
    runs,
    command: () => command(name),
    check: async ({ stdout }) => check(name, stdout),
  }));
  return timeChecked(contenders, label, log);
}

function rows(times: Record<Name, Timing>): string[] {
  return table(
    [
      ["project's llnode", times.project],
      ["4.0.0 as published", times.published],
    ],
    [["published", times.published]],
  );
}

for (const version of VERSIONS) {
  const node = await officialNode(version);
  const crash = await realCore({ node });
  const callSite = `${crash.scriptAsRun}:9:7`;
  const times = await compare(`Node ${version}`, node, crash.core, script, (name, stdout) => {
    const reads = name === "project" || READ_BY_PUBLISHED.has(version);
    if (reads && !/myRequestListener\(/.test(stdout))
      throw new Error(`${version} ${name}: no myRequestListener frame`);
    if (name === "project" && !stdout.includes(callSite))
      throw new Error(`${version}: no call site ${callSite}`);
  });
  lines.push(
    `Node ${version}${READ_BY_PUBLISHED.has(version) ? "" : " (the published plugin reads nothing here)"}`,
    ...rows(times),
  );
}

// The optimized hot path (tests/support/optimized-core.ts): `v8 bt` alone, where the project's plugin reads
// deoptimization data and baseline offset tables that the published one does not look at.
const backtrace = path.join(work, "backtrace.lldb");
await writeFile(backtrace, "v8 bt\n");
lines.push("`v8 bt` on the optimized hot path (priceOf inlined into checkout)");
for (const [version, way] of OPTIMIZED) {
  const node = await officialNode(version);
  const crash = await optimizedCore(node, way);
  const label = `Node ${version}, ${way}`;
  const times = await compare(label, node, crash.core, backtrace, (name, stdout) => {
    if (name === "project" && !stdout.includes("priceOf(<inlined>)"))
      throw new Error(`${label}: no inlined priceOf`);
  });
  lines.push(
    `${label}${READ_BY_PUBLISHED.has(version) ? "" : " (the published plugin reads nothing here)"}`,
    ...rows(times),
  );
}

if (buildRuns > 0) {
  const fresh = (name: Name, round: number) => path.join(work, `build-${name}-${round}`);
  const build = (name: Name): Checked<Name> => ({
    name,
    runs: buildRuns,
    command: (round) => ({
      program: "bash",
      args: [path.join(repoRoot(), "llnode", "build.sh"), ...(name === "published" ? ["--published"] : [])],
      env: { ...process.env, XDG_CACHE_HOME: fresh(name, round) },
    }),
    check: async () => {},
    after: (round) => rm(fresh(name, round), { recursive: true, force: true }),
  });
  const times = await timeChecked([build("project"), build("published")], "plugin builds", log);
  lines.push(
    `building the plugin from an empty cache (npm pack, patch, g++), ${buildRuns} runs each`,
    ...table(
      [
        ["project's llnode", times.project],
        ["4.0.0 as published", times.published],
      ],
      [["published", times.published]],
    ),
    `  (project/published ${ratio(times.project, times.published)}; median ${format(times.project.median)})`,
  );
}
await rm(work, { recursive: true, force: true });
process.stdout.write(`${lines.join("\n")}\n`);
