/**
 * Issue 11's figures: what fills the heap of a real heap-out-of-memory core, with 64 MB, 1 GB and 2 GB heaps
 * (the leaking service of tests/fixtures/oom-service under the official Node 22.22.0, cores made once and
 * cached: tests/support/oom-core.ts), side by side in one run:
 *
 * - llnode (the yardstick): `lldb --batch -o 'plugin load <the project's llnode>' -o 'v8 findjsobjects'` on
 *   the core and node without DWARF, what `coredump debug <id> --batch -o 'v8 findjsobjects'` runs; run
 *   directly, because `coredump debug --batch` stops a debugger after 5 minutes and llnode takes longer on
 *   the larger heaps;
 * - `coredump heap <id> --json`, `coredump heap <id> --retained --json` (issue 22: dominators and retained
 *   sizes) and `coredump heapsnapshot <id> -o FILE --json`, each skipped with a note while the verb does
 *   not exist;
 * - `coredump report <id> --json` (issue 10): the out-of-memory report, its heap section from src/heap, with
 *   the project's llnode for the backtrace, against the same yardstick (goal ≤ 0.2× on 1 GB, ≤ 1.5 GB RSS);
 * - Node's own `v8.writeHeapSnapshot()` in the service itself, leaking until its heap holds what the core's
 *   did (the heap used after the last GC of the OOM run), timed in-process: the in-process reference.
 *
 * The coredump verbs work on a dump fetched beforehand (loose layout, warm): the time is the reader's.
 * Wall time of whole processes, medians, ratios to llnode, and the peak RSS of each (GNU time: the
 * largest of the process and what it waited for, so report's lldb counts). `--verbs` picks the coredump
 * verbs, `--no-own` leaves Node's own snapshot out. bench/heap.sh builds and runs this.
 */
import { copyFile, mkdtemp, rename, rm, stat } from "node:fs/promises";
import { tmpdir, totalmem } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { lldbEnvironment } from "../src/debuggers/lldb-environment.js";
import { strippedCopy } from "../src/debuggers/strip-debug.js";
import { readExecutableInfo } from "../src/elf/index.js";
import { crashDumps } from "../tests/support/crash-dumps.js";
import { heapVerbs, missingVerb } from "../tests/support/heap-verbs.js";
import { projectLlnode } from "../tests/support/llnode-plugin.js";
import { officialNode } from "../tests/support/node-builds.js";
import { OOM_SERVICE, type OomCore, oomCore } from "../tests/support/oom-core.js";
import { repoRoot } from "../tests/support/repo-root.js";
import { callerEnv, coredumpBin, goal, loads, log, whole } from "./common.js";
import { formatBytes, readPeakRss, withPeakRss } from "./support/peak-rss.js";
import {
  type Checked,
  type Command,
  format,
  run,
  summarise,
  type Timing,
  table,
  timeChecked,
} from "./timing.js";

const NODE = "22.22.0";
const VERBS = ["heap", "retained", "heapsnapshot", "report"] as const;
type Verb = (typeof VERBS)[number];
type Name = "llnode" | "baseline" | "baselineRetained" | Verb;

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "64,1024,2048" },
    runs: { type: "string", default: "3" },
    "llnode-runs": { type: "string", default: "1" },
    "no-llnode": { type: "boolean", default: false },
    verbs: { type: "string", default: VERBS.join(",") },
    "no-own": { type: "boolean", default: false },
    /** Another checkout (its bin/coredump.js, built) whose `heap --json` runs beside: the figures before a change. */
    baseline: { type: "string" },
    /** memlab computing retained sizes from Node's own snapshot, beside `heap --retained` on the core. */
    memlab: { type: "boolean", default: false },
    /** Node's own snapshot above this heap size (MB) is left out: its last figure stands (10 GB RSS at 1 GB). */
    "own-up-to": { type: "string", default: "4096" },
  },
});
const chosen = (values.verbs ?? "").split(",").filter((verb) => verb !== "");
for (const verb of chosen)
  if (!(VERBS as readonly string[]).includes(verb))
    throw new Error(`--verbs: one or more of ${VERBS.join(",")}`);
const measures = (verb: Verb) => chosen.includes(verb);
const sizes = (values.sizes ?? "").split(",").map((size) => whole("sizes", size));
const runs = whole("runs", values.runs);
/** llnode takes minutes on the large heaps: this many runs there; on the 64 MB heap, `runs`. */
const llnodeRuns = whole("llnode-runs", values["llnode-runs"]);

const present = await heapVerbs();
const verbs = { ...present, retained: present.heap, report: true };
const plugin = await projectLlnode();
const node = await officialNode(NODE);
/** node without DWARF, as `coredump debug` gives lldb (it starts in a second instead of ten). */
const nodebug = await strippedCopy(
  node,
  (await readExecutableInfo(node)).buildId,
  path.join(repoRoot(), ".cache", "nodebug"),
  process.env.PATH ?? "",
);
const work = await mkdtemp(path.join(tmpdir(), "coredump-bench-heap-"));
const lines = [`issue 11: the heap of real OOM cores of Node ${NODE}, side by side; loads ${loads()}`];
const notes = [
  ...(verbs.heap ? [] : [`coredump heap skipped: ${missingVerb("heap")}`]),
  ...(verbs.heapsnapshot ? [] : [`coredump heapsnapshot skipped: ${missingVerb("heapsnapshot")}`]),
];
const growth: Array<{
  heapMb: number;
  coreBytes: number;
  rows: Map<string, { seconds: number; rss: number }>;
}> = [];

try {
  for (const heapMb of sizes) {
    growth.push(await measureSize(heapMb));
    // Each heap's figures as soon as they are in: the large ones take long.
    process.stdout.write(`${lines.splice(0).join("\n")}\n`);
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

lines.push("", "how time and peak RSS grow with the heap (medians)");
const names = [...new Set(growth.flatMap(({ rows }) => [...rows.keys()]))];
for (const name of names) {
  const cells = growth.map(({ heapMb, rows }) => {
    const row = rows.get(name);
    return row ? `${heapMb} MB: ${format(row.seconds)}, ${formatBytes(row.rss)}` : `${heapMb} MB: -`;
  });
  lines.push(`  ${name.padEnd(34)} ${cells.join("   ")}`);
}
lines.push(...notes.map((note) => `note: ${note}`));
process.stdout.write(`${lines.join("\n")}\n`);

async function measureSize(heapMb: number) {
  log(`Node ${NODE}, --max-old-space-size=${heapMb}: the OOM core (made once, cached)`);
  const oom = await oomCore({ node, heapMb });
  const coreBytes = (await stat(oom.core)).size;
  const workdir = path.join(work, `work-${heapMb}`);
  const dumps = path.join(work, `dumps-${heapMb}`);
  const env = callerEnv(false);
  const where = ["--dir", dumps, "--workdir", workdir, "--binary", node];
  let id = "";
  const coredumpVerbs = VERBS.filter((verb) => verbs[verb] && measures(verb));
  if (coredumpVerbs.length > 0) {
    const laidOut = await crashDumps([oom], "loose");
    await rename(laidOut.dir, dumps);
    id = laidOut.ids[0] ?? "";
    log("fetching it once into the working folder (untimed)");
    await run({ program: process.execPath, args: [coredumpBin, "fetch", id, ...where, "--json"], env });
  }

  const rssFile = (name: Name) => path.join(work, `${name}.rss`);
  const rss = new Map<Name, number[]>();
  const verb = (args: string[]): Command => ({
    program: process.execPath,
    args: [coredumpBin, ...args, id, ...where],
    env: { ...env, LLNODE_PLUGIN: plugin },
  });
  const contender = (
    name: Name,
    command: Command,
    count: number,
    check: (stdout: string) => void,
  ): Checked<Name> => ({
    name,
    runs: count,
    command: () => withPeakRss(command, rssFile(name)),
    check: async ({ stdout }) => check(stdout),
    after: async () => {
      rss.set(name, [...(rss.get(name) ?? []), await readPeakRss(rssFile(name))]);
    },
  });
  let llnodeCount: number | undefined;
  const contenders: Array<Checked<Name>> = [];
  if (!values["no-llnode"]) {
    contenders.push(
      contender("llnode", llnodeCommand(oom.core), heapMb <= 64 ? runs : llnodeRuns, (stdout) => {
        llnodeCount = findjsobjectsCount(stdout, oom.leaking);
        if (!llnodeCount)
          throw new Error(`llnode's findjsobjects lists no ${oom.leaking}:\n${stdout.slice(-2000)}`);
      }),
    );
  }
  if (coredumpVerbs.includes("heap"))
    contenders.push(contender("heap", verb(["heap", "--json"]), runs, (stdout) => checkHeap(stdout, oom)));
  // The same verbs from another checkout (`--baseline DIR`, built): a change's figures in one run.
  const fromBaseline = (args: string[]): Command => {
    const command = { ...verb(args) };
    command.args = [path.join(values.baseline ?? "", "bin", "coredump.js"), ...command.args.slice(1)];
    return command;
  };
  if (values.baseline && coredumpVerbs.includes("heap"))
    contenders.push(
      contender("baseline", fromBaseline(["heap", "--json"]), runs, (stdout) => checkHeap(stdout, oom)),
    );
  if (coredumpVerbs.includes("retained"))
    contenders.push(
      contender("retained", verb(["heap", "--retained", "--json"]), runs, (stdout) => checkRetained(stdout)),
    );
  if (values.baseline && coredumpVerbs.includes("retained"))
    contenders.push(
      contender("baselineRetained", fromBaseline(["heap", "--retained", "--json"]), runs, (stdout) =>
        checkRetained(stdout),
      ),
    );
  const snapshotFile = path.join(workdir, "bench.heapsnapshot");
  if (coredumpVerbs.includes("heapsnapshot"))
    contenders.push(
      contender("heapsnapshot", verb(["heapsnapshot", "-o", snapshotFile, "--json"]), runs, (stdout) => {
        if ((JSON.parse(stdout) as { path?: string }).path !== snapshotFile)
          throw new Error(`heapsnapshot printed ${stdout}`);
      }),
    );
  if (coredumpVerbs.includes("report"))
    contenders.push(
      contender("report", verb(["report", "--json", "--quiet"]), runs, (stdout) => checkReport(stdout, oom)),
    );

  const times = contenders.length
    ? await timeChecked(contenders, `${heapMb} MB`, log)
    : ({} as Partial<Record<Name, Timing>>);
  await rm(workdir, { recursive: true, force: true });
  await rm(dumps, { recursive: true, force: true });
  // Node's own snapshot took about ten times the heap in RSS (10.4 GB for a 1 GB heap): not where that
  // would take more than half of this machine's memory.
  const fits = heapMb * 10 * 2 ** 20 <= totalmem() / 2 && heapMb <= whole("own-up-to", values["own-up-to"]);
  const own = fits && !values["no-own"] ? await nodeOwnSnapshot(oom) : undefined;
  if (!own && !values["no-own"])
    notes.push(
      `node's own snapshot of the ${heapMb} MB heap skipped: it would need about ${formatBytes(heapMb * 10 * 2 ** 20)} of RSS`,
    );

  const median = (samples: number[] | undefined) => (samples?.length ? summarise("", samples).median : 0);
  lines.push(
    "",
    `--max-old-space-size=${heapMb}: core ${formatBytes(coreBytes)}; wall time, runs taking turns (llnode ${
      heapMb <= 64 ? runs : llnodeRuns
    }, the others ${runs})`,
    ...table(
      [
        ["llnode v8 findjsobjects (lldb --batch)", times.llnode],
        ["coredump heap --json", times.heap],
        [`the same, from ${values.baseline ?? "a baseline"}`, times.baseline],
        ["coredump heap --retained --json", times.retained],
        [`the same, from ${values.baseline ?? "a baseline"}`, times.baselineRetained],
        ["coredump heapsnapshot -o FILE --json", times.heapsnapshot],
        ["coredump report --json", times.report],
        ["node's v8.writeHeapSnapshot(), in-process", own?.timing],
        ["memlab: retained sizes from that snapshot", own?.memlab],
      ],
      [["llnode", times.llnode]],
    ),
    `  peak RSS: ${[
      ...(["llnode", "baseline", "baselineRetained", ...VERBS] as const)
        .filter((name) => rss.has(name))
        .map((name) => `${name} ${formatBytes(median(rss.get(name)))}`),
      ...(own
        ? [`node writing its snapshot ${formatBytes(own.peakRss)} (${formatBytes(own.rssBefore)} before it)`]
        : []),
      ...(own?.memlab ? [`memlab ${formatBytes(own.memlabRss ?? 0)}`] : []),
    ].join(", ")}`,
    ...(own?.memlab && times.retained
      ? [
          `  memlab on node's own snapshot / heap --retained on the core: ${(own.memlab.median / times.retained.median).toFixed(1)}× the time, ${(
            (own.memlabRss ?? 0) / Math.max(1, median(rss.get("retained")))
          ).toFixed(1)}× the peak RSS`,
        ]
      : []),
    `  ${oom.leaking}: ${llnodeCount ?? "?"} by llnode${
      own ? `; the in-process snapshot held ${own.sessions} at ${formatBytes(own.heapUsed)} of heap` : ""
    }`,
  );
  if (heapMb >= 1024 && times.llnode) {
    if (times.heap)
      lines.push(
        `  goal heap ≤ 0.1× llnode: ${goal(times.heap.median <= 0.1 * times.llnode.median)}; RSS ≤ 1.5 GB: ${goal(
          median(rss.get("heap")) <= 1.5e9,
        )}`,
      );
    if (times.retained)
      lines.push(
        `  goal heap --retained on 1 GB ≤ 8 s: ${heapMb === 1024 ? goal(times.retained.median <= 8) : "-"}; RSS ≤ the heap (${heapMb} MB): ${goal(
          median(rss.get("retained")) <= heapMb * 2 ** 20,
        )}`,
      );
    if (times.heapsnapshot)
      lines.push(
        `  goal heapsnapshot ≤ 0.5× llnode: ${goal(times.heapsnapshot.median <= 0.5 * times.llnode.median)}`,
      );
    if (times.report)
      lines.push(
        `  goal report ≤ 0.2× llnode: ${goal(times.report.median <= 0.2 * times.llnode.median)}; RSS ≤ 1.5 GB: ${goal(
          median(rss.get("report")) <= 1.5e9,
        )}`,
      );
  }
  const rows = new Map<string, { seconds: number; rss: number }>();
  for (const name of ["llnode", ...VERBS] as const) {
    const timing = times[name];
    if (timing) rows.set(name, { seconds: timing.median, rss: median(rss.get(name)) });
  }
  if (own) rows.set("node's own snapshot", { seconds: own.timing.median, rss: own.peakRss });
  return { heapMb, coreBytes, rows };
}

/** lldb with the project's llnode running `v8 findjsobjects` on `core`, as `coredump debug --batch` does. */
function llnodeCommand(core: string): Command {
  return {
    program: "lldb",
    args: ["--batch", "-o", `plugin load ${plugin}`, "-o", "v8 findjsobjects", "-c", core, nodebug],
    env: lldbEnvironment("lldb", process.env),
  };
}

/** `  288434   72108500 Session`: the count llnode's findjsobjects gives a constructor. */
function findjsobjectsCount(listing: string, name: string): number | undefined {
  const row = new RegExp(`^\\s+(\\d+)\\s+\\d+ ${name}$`, "m").exec(listing);
  return row ? Number(row[1]) : undefined;
}

function checkHeap(stdout: string, oom: OomCore) {
  const types = (JSON.parse(stdout) as { types: Array<{ name: string }> }).types;
  const first = types.find((type) => oom.classes.includes(type.name))?.name;
  if (first !== oom.leaking) throw new Error(`coredump heap puts ${first} first among the app's classes`);
}

/** Issue 22: the object that retains the most is the Map the service leaks into, with most of the heap. */
function checkRetained(stdout: string) {
  const [top] = (JSON.parse(stdout) as { retaining: Array<{ name: string; share: number }> }).retaining;
  if (top?.name !== "Map" || top.share < 0.5)
    throw new Error(`coredump heap --retained puts ${JSON.stringify(top)} first`);
}

/** The report calls the core out-of-memory and names the leaking class first among the service's own. */
function checkReport(stdout: string, oom: OomCore) {
  const report = JSON.parse(stdout) as { kind: string; heap?: { top: Array<{ name: string }> } };
  if (report.kind !== "out-of-memory") throw new Error(`report says ${report.kind}, not out-of-memory`);
  const first = report.heap?.top.find((type) => oom.classes.includes(type.name))?.name;
  if (first !== oom.leaking) throw new Error(`report's heap puts ${first} first among the app's classes`);
}

/**
 * Node's own snapshot of the same heap: the service again, leaking until its heap holds what the core's held
 * after the OOM run's last GC, then `v8.writeHeapSnapshot()` timed inside it. Its heap limit is raised so
 * that it reaches that point; its peak RSS is the whole process's.
 */
async function nodeOwnSnapshot(oom: OomCore) {
  const lastGc = [...oom.stderr.matchAll(/-> ([\d.]+) \(/g)].at(-1)?.[1];
  const atMb = Math.floor(Number(lastGc ?? oom.heapMb * 0.95));
  const folder = await mkdtemp(path.join(work, "own-"));
  // The repository's package.json says "type": "module": the service is CommonJS.
  const service = path.join(folder, "service.cjs");
  await copyFile(path.join(repoRoot(), OOM_SERVICE), service);
  const samples: number[] = [];
  const memlabSamples: number[] = [];
  let memlabRss = 0;
  let figures = { sessions: 0, heapUsed: 0, rssBefore: 0, snapshotMs: 0 };
  let peakRss = 0;
  try {
    for (let round = 0; round < runs; round++) {
      const command: Command = {
        program: node,
        args: [`--max-old-space-size=${oom.heapMb * 2 + 256}`, service],
        env: {
          PATH: process.env.PATH,
          SNAPSHOT_AT_MB: String(atMb),
          SNAPSHOT_FILE: path.join(folder, "own.heapsnapshot"),
        },
      };
      const rssFile = path.join(folder, "rss");
      const { stdout } = await run(withPeakRss(command, rssFile), true);
      const printed = stdout.trim().split("\n").at(-1) ?? "{}";
      figures = JSON.parse(printed) as typeof figures;
      samples.push(figures.snapshotMs / 1000);
      peakRss = Math.max(peakRss, await readPeakRss(rssFile));
      log(`  node's own snapshot: ${format(figures.snapshotMs / 1000)} (${figures.sessions} sessions)`);
      if (values.memlab) {
        const memlabCommand: Command = {
          program: process.execPath,
          args: [
            path.join(repoRoot(), "dist", "bench", "support", "memlab-retained.js"),
            path.join(folder, "own.heapsnapshot"),
          ],
          env: { PATH: process.env.PATH },
        };
        const started = performance.now();
        const { stdout: memlabOut } = await run(withPeakRss(memlabCommand, rssFile), true);
        memlabSamples.push((performance.now() - started) / 1000);
        memlabRss = Math.max(memlabRss, await readPeakRss(rssFile));
        log(`  memlab's retained sizes: ${format(memlabSamples.at(-1) ?? 0)} ${memlabOut.trim()}`);
      }
      await rm(path.join(folder, "own.heapsnapshot"), { force: true });
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  return {
    timing: summarise("node", samples),
    peakRss,
    ...figures,
    ...(memlabSamples.length ? { memlab: summarise("memlab", memlabSamples), memlabRss } : {}),
  };
}
