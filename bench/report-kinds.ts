/**
 * `coredump report` warm on each kind of death (tests/support/kind-core.ts: real crashes of one official
 * Node build, default 22.22.0), each a zip dump in a fresh bucket of the rig's Ceph RGW whose image on the
 * rig's open registry holds that node (and the native fault's addon), with the project's llnode. Beside
 * the out-of-memory report, what a user types today for the same answer: `coredump debug <id> --batch -o
 * 'v8 findjsobjects'` on the same dump.
 *
 * With `--baseline PATH` (another checkout's bin/coredump.js, built: the report before the stack walker),
 * each kind's report by that build takes turns with this one's, and on the uncaught exception
 * `debug --batch -o 'v8 bt'` (llnode's stack alone) too: the ratios say what the walker changed.
 *
 * Warm: each dump's first report (checked: its `kind`) fetched the core and pulled the executable; the
 * timed runs find both on disk. Every figure is the wall time of a whole process, contenders taking
 * turns round after round (bench/timing.ts). bench/report-kinds.sh builds and runs this.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { zipDump } from "../tests/support/handler-layout.js";
import { kindDumps } from "../tests/support/kind-dumps.js";
import { projectLlnode } from "../tests/support/llnode-plugin.js";
import { freshBucket, putObjects, rigS3, s3Env } from "../tests/support/s3-rig.js";
import { tutorialDump } from "../tests/support/tutorial-dump.js";
import { callerEnv, coredumpBin, loads, log, since, whole } from "./common.js";
import { type Checked, type Command, table, timeChecked } from "./timing.js";

const fmt = (seconds: number | undefined) => (seconds === undefined ? "?" : `${seconds.toFixed(2)} s`);

const { values: options } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    node: { type: "string", default: "22.22.0" },
    baseline: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (options.help) {
  process.stdout.write(
    "usage: node dist/bench/report-kinds.js [--runs 3] [--node 22.22.0] [--baseline OTHER/bin/coredump.js]\n",
  );
  process.exit(0);
}
const runs = whole("runs", options.runs);
const version = options.node;

const startedAt = performance.now();
const loadAtStart = loads();
const s3 = rigS3();
const work = await mkdtemp(path.join(tmpdir(), "coredump-bench-kinds-"));
try {
  log(`real crashes of Node ${version}, and the project's llnode`);
  const plugin = await projectLlnode();
  const { dumps: crashes } = await kindDumps(version, `bench-kinds-${version}`);
  const dumps = crashes.map(({ crash, spec }) => ({ kind: crash.kind as string, id: spec.uuid }));
  const objects = crashes.flatMap(({ spec }) => zipDump(spec));
  const tutorial = await tutorialDump(version, `bench-kinds-uncaught-${version}`);
  objects.push(...zipDump(tutorial.spec));
  dumps.push({ kind: "uncaught-exception", id: tutorial.spec.uuid });
  const bucket = await freshBucket(s3, "bench-kinds");
  await putObjects(s3, bucket, objects);

  const env: NodeJS.ProcessEnv = {
    ...callerEnv(true),
    ...s3Env(s3, bucket),
    XDG_CACHE_HOME: path.join(work, "xdg"),
    LLNODE_PLUGIN: plugin,
  };
  const workdir = path.join(work, "work");
  const cli = (args: string[], bin = coredumpBin): Command => ({
    program: process.execPath,
    args: [bin, ...args, "--workdir", workdir],
    env,
  });
  const checkKind = (kind: string) => async (outcome: { stdout: string }) => {
    const found = (JSON.parse(outcome.stdout) as { kind: string }).kind;
    if (found !== kind) throw new Error(`report on the ${kind} dump says ${found}`);
  };
  const contenders: Array<Checked<string>> = dumps.map(({ kind, id }) => ({
    name: kind,
    runs,
    command: () => cli(["report", id, "--json", "--quiet"]),
    check: checkKind(kind),
  }));
  const baseline = options.baseline;
  if (baseline) {
    for (const { kind, id } of dumps) {
      contenders.push({
        name: `before: ${kind}`,
        runs,
        command: () => cli(["report", id, "--json", "--quiet"], baseline),
        check: checkKind(kind),
      });
    }
    const uncaught = dumps.find((dump) => dump.kind === "uncaught-exception");
    if (uncaught) {
      contenders.push({
        name: "debug v8 bt",
        runs,
        command: () => cli(["debug", uncaught.id, "--batch", "-o", "v8 bt", "--quiet"]),
        check: async (outcome) => {
          if (!/myRequestListener/.test(outcome.stdout))
            throw new Error("v8 bt printed no myRequestListener");
        },
      });
    }
  }
  const oom = dumps.find((dump) => dump.kind === "out-of-memory");
  if (oom) {
    contenders.push({
      name: "debug findjsobjects",
      runs,
      command: () => cli(["debug", oom.id, "--batch", "-o", "v8 findjsobjects", "--quiet"]),
      check: async (outcome) => {
        if (!/Session/.test(outcome.stdout)) throw new Error("v8 findjsobjects printed no Session");
      },
    });
  }
  const timings = await timeChecked(contenders, "report, warm", log, "the right kind");
  const lines = [
    `report on each kind of death, warm (Node ${version}, the project's llnode; ${runs} runs each, medians)`,
    ...table(
      contenders
        .filter(({ name }) => !name.startsWith("before: "))
        .map(({ name }) => [
          name === "debug findjsobjects"
            ? "debug -o 'v8 findjsobjects' (OOM)"
            : name === "debug v8 bt"
              ? "debug -o 'v8 bt' (uncaught exception)"
              : `report: ${name}`,
          timings[name],
        ]),
      [["debug findjsobjects", timings["debug findjsobjects"]]],
    ),
    ...(baseline
      ? [
          `report now against the baseline's (${baseline}), per kind: the ratio of medians (now / before)`,
          ...dumps.map(({ kind }) => {
            const now = timings[kind]?.median;
            const before = timings[`before: ${kind}`]?.median;
            const ratio = now !== undefined && before !== undefined ? (now / before).toFixed(2) : "?";
            return `  ${kind.padEnd(22)} ${fmt(now)} now, ${fmt(before)} before: ${ratio}×`;
          }),
        ]
      : []),
    `load average at start ${loadAtStart}, at end ${loads()}; ${since(startedAt).toFixed(0)} s in all`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
} finally {
  await rm(work, { recursive: true, force: true });
}
