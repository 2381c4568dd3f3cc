/**
 * The project's llnode (4.0.0 with llnode/patches) against llnode 4.0.0 as published, side by side, on the
 * tutorial's crash under the official builds of Node 16, 18, 20, 22 and 24 (real cores,
 * tests/support/real-core.ts): lldb in batch with `v8 bt`, `v8 findjsobjects` and
 * `v8 findjsinstances -d TypeError`, on a copy of node without DWARF (what `coredump debug` runs). The
 * project's plugin reads more (call sites, builtin sources, class names); this measures what that costs.
 * Each contender's first run checks its output. On 22 and 24 the published plugin reads nothing and is
 * fast for it: its time is there for completeness, and its check only asks that lldb ran.
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
import { realCore } from "../tests/support/real-core.js";
import { repoRoot } from "../tests/support/repo-root.js";
import { loads, log, whole } from "./common.js";
import { type Checked, type Command, format, ratio, table, timeChecked } from "./timing.js";

const VERSIONS = ["16.20.2", "18.20.4", "20.20.2", "22.22.0", "24.11.0"];
const READ_BY_PUBLISHED = new Set(["16.20.2", "18.20.4", "20.20.2"]);
const COMMANDS = ["v8 bt", "v8 findjsobjects", "v8 findjsinstances -d TypeError"];
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

for (const version of VERSIONS) {
  const node = await officialNode(version);
  const crash = await realCore({ node });
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
      `command source -e false ${script}`,
      "-c",
      crash.core,
      binary,
    ],
    env: lldbEnvironment("lldb", process.env),
  });
  const callSite = `${crash.scriptAsRun}:9:7`;
  const contenders: Array<Checked<Name>> = (["project", "published"] as const).map((name) => ({
    name,
    runs,
    command: () => command(name),
    check: async ({ stdout }) => {
      const reads = name === "project" || READ_BY_PUBLISHED.has(version);
      if (reads && !/myRequestListener\(/.test(stdout))
        throw new Error(`${version} ${name}: no myRequestListener frame`);
      if (name === "project" && !stdout.includes(callSite))
        throw new Error(`${version}: no call site ${callSite}`);
    },
  }));
  const times = await timeChecked(contenders, `Node ${version}`, log);
  lines.push(
    `Node ${version}${READ_BY_PUBLISHED.has(version) ? "" : " (the published plugin reads nothing here)"}`,
    ...table(
      [
        ["project's llnode", times.project],
        ["4.0.0 as published", times.published],
      ],
      [["published", times.published]],
    ),
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
