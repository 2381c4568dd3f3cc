/**
 * `coredump triage` on the rig, three sections (`--only` picks one):
 *
 * - throughput: real cores of every kind (Node 22, crashed for real by tests/support/kind-core.ts, served
 *   from RGW with their executable in the rig's registry), two copies of each under uuids that split evenly
 *   between two shards. In turns: one worker (`--jobs 1`), one worker with `--jobs 2`, and two worker
 *   processes side by side (`--shard 0/2` and `--shard 1/2`, as two pods of an Indexed Job on this
 *   machine's two cores). Dumps per minute, by kind, peak RSS; requests per dump through a counting proxy.
 * - memory: the memory `--jobs` reserves for a dump (src/triage/memory.ts) against the peak of `report` on
 *   each kind of core, the whole process tree summed (node and any debugger it runs); with `--large-core
 *   FOLDER` (a cached out-of-memory core of tests/support/oom-core.ts: its `core` and `meta.json`, such as
 *   .cache/fixtures/oom-v22.22.0-1024m-…), that core too, laid out loose in a `--dir` folder.
 * - list: `list` and `groups` on 10,000 dumps without records and with a record each (a copy of the same
 *   dumps, bench/support/triaged-bucket.ts), warm and cold, in turns; the requests of a cold `list`.
 *
 *   bash bench/triage.sh [--dumps 10000] [--runs 5] [--cold-runs 3] [--work-runs 3] [--only list]
 *                        [--large-core .cache/fixtures/oom-v22.22.0-1024m-…] [--large-runs 1]
 *
 * Every time is the wall time of whole processes (bench/timing.ts), medians of runs taken in turns.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { BASE_NEED, memoryNeed } from "../src/triage/memory.js";
import { inShard } from "../src/triage/shard.js";
import { CountingProxy } from "../tests/support/counting-proxy.js";
import { crashDumps } from "../tests/support/crash-dumps.js";
import { type StoredObject, zipDump } from "../tests/support/handler-layout.js";
import { kindDumps } from "../tests/support/kind-dumps.js";
import { projectLlnode } from "../tests/support/llnode-plugin.js";
import { freshBucket, putObjects, rigS3, s3Client } from "../tests/support/s3-rig.js";
import { callerEnv, coredumpBin, coredumpCommand, goal, loads, log, timedRss, whole } from "./common.js";
import { bucketName, ensureBucket } from "./populate.js";
import { formatBytes } from "./support/peak-rss.js";
import { treePeakRss } from "./support/tree-rss.js";
import { ensureTriagedCopy } from "./support/triaged-bucket.js";
import {
  type Command,
  type Contender,
  format,
  measure,
  ratio,
  run,
  summarise,
  type Timing,
} from "./timing.js";

const { values: options } = parseArgs({
  options: {
    dumps: { type: "string", default: "10000" },
    runs: { type: "string", default: "5" },
    "cold-runs": { type: "string", default: "3" },
    "work-runs": { type: "string", default: "3" },
    node: { type: "string", default: "22.22.0" },
    only: { type: "string", default: "" },
    "large-core": { type: "string" },
    "large-runs": { type: "string", default: "1" },
  },
});
const dumps = whole("dumps", options.dumps);
const runs = whole("runs", options.runs);
const coldRuns = whole("cold-runs", options["cold-runs"]);
const workRuns = whole("work-runs", options["work-runs"]);
const largeRuns = whole("large-runs", options["large-runs"]);
const sections = options.only === "" ? ["throughput", "memory", "list"] : options.only.split(",");
const rig = rigS3();
const client = s3Client(rig);
const work = await mkdtemp(path.join(tmpdir(), "coredump-bench-triage-"));
const llnode = await projectLlnode();

/** `coredump ARGS` on `bucket` with the project's llnode, its cache under `cacheHome`. */
function coredump(args: readonly string[], bucket: string, cacheHome: string, endpoint?: string): Command {
  return coredumpCommand(rig, args, bucket, cacheHome, {
    ...(endpoint ? { endpoint } : {}),
    env: { LLNODE_PLUGIN: llnode },
  });
}

interface Line {
  id: string;
  kind: string | null;
  status: string;
  seconds: number;
}

const report: string[] = [];
try {
  if (sections.includes("throughput")) report.push(...(await throughput()), "");
  if (sections.includes("memory")) report.push(...(await memory()), "");
  if (sections.includes("list")) report.push(...(await listing()));
  process.stdout.write(`\n${report.join("\n")}\n`);
} finally {
  await rm(work, { recursive: true, force: true });
}

/** The real cores of every kind in a fresh bucket, `copies` of each under uuids spread evenly over `copies` shards. */
async function kindBucket(copies: number) {
  const bucket = await freshBucket(rig, "bench-triage");
  const { dumps: made } = await kindDumps(options.node, `bench-triage-${options.node}`);
  const objects: StoredObject[] = [];
  const kinds = new Map<string, string>();
  for (const { spec, crash } of made)
    for (let copy = 0; copy < copies; copy++) {
      let uuid = randomUUID();
      while (!inShard(uuid, { index: copy, count: copies })) uuid = randomUUID();
      objects.push(...zipDump({ ...spec, uuid }, { coreCompression: "store" }));
      kinds.set(uuid, crash.kind);
    }
  await putObjects(rig, bucket, objects);
  return { bucket, kinds };
}

/** Each way of running triage, in turns, on records of its own (a fresh --results prefix each run). */
async function throughput(): Promise<string[]> {
  const { bucket, kinds } = await kindBucket(2);
  const count = kinds.size;
  const home = path.join(work, "throughput");
  const workdir = path.join(work, "workdir");
  const triage = (prefix: string, extra: readonly string[], endpoint?: string) =>
    coredump(
      ["triage", "--json", "--workdir", workdir, "--results", `s3://${bucket}/${prefix}/`, ...extra],
      bucket,
      home,
      endpoint,
    );
  /** Runs the workers side by side: the wall time until the last ends, their peak RSS summed. */
  const workers = async (prefix: string, each: ReadonlyArray<readonly string[]>) => {
    const started = performance.now();
    const ran = await Promise.all(each.map((extra) => timedRss(triage(prefix, extra))));
    const lines = ran.flatMap((one) =>
      one.stdout
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as Line),
    );
    if (lines.length !== count || lines.some((line) => line.status !== "triaged"))
      throw new Error(`triage ${prefix}: ${ran.map((one) => one.stdout).join("")}`);
    return {
      seconds: (performance.now() - started) / 1000,
      rss: ran.reduce((sum, one) => sum + one.rss, 0),
      lines,
    };
  };
  const ways = {
    "one worker, --jobs 1": [["--jobs", "1"]],
    "one worker, --jobs 2": [["--jobs", "2"]],
    "two workers (--shard 0/2 and 1/2), --jobs 1 each": [
      ["--jobs", "1", "--shard", "0/2"],
      ["--jobs", "1", "--shard", "1/2"],
    ],
  } as const;
  const names = Object.keys(ways) as Array<keyof typeof ways>;
  // The executable and llnode into the cache first: what a worker pays once, not per dump.
  await workers("warm-up", ways["one worker, --jobs 1"]);
  const samples = new Map(names.map((name) => [name, [] as Array<Awaited<ReturnType<typeof workers>>>]));
  for (let round = 0; round < workRuns; round++) {
    const shift = round % names.length;
    for (const name of [...names.slice(shift), ...names.slice(0, shift)]) {
      const one = await workers(`run-${round}-${names.indexOf(name)}`, ways[name]);
      samples.get(name)?.push(one);
      log(`${name}, round ${round + 1}/${workRuns}: ${format(one.seconds)} (load ${loads()})`);
    }
  }
  const timing = (name: (typeof names)[number]) =>
    summarise(
      name,
      (samples.get(name) ?? []).map((one) => one.seconds),
    );
  const one = timing("one worker, --jobs 1");
  const lines: string[] = [
    `triage of ${count} real cores (Node ${options.node}: ${new Set(kinds.values()).size} kinds, two copies each), median of ${workRuns} in turns, load ${loadavg()[0]?.toFixed(1)} at the end:`,
  ];
  for (const name of names) {
    const each = timing(name);
    const rss = Math.max(...(samples.get(name) ?? []).map((sample) => sample.rss));
    lines.push(
      `  ${name.padEnd(50)} ${format(each.median).padStart(8)} ${((60 * count) / each.median).toFixed(1).padStart(5)} dumps/min (${ratio(one, each)} one worker's rate), peak RSS ${(rss / 1024).toFixed(0)} MB${name.startsWith("two") ? " (both summed)" : ""}`,
    );
  }
  lines.push("  one worker, --jobs 1, by kind (median seconds a dump, from its --json line):");
  for (const kind of new Set(kinds.values())) {
    const each = summarise(
      kind,
      (samples.get("one worker, --jobs 1") ?? []).flatMap((sample) =>
        sample.lines.filter((line) => line.kind === kind).map((line) => line.seconds),
      ),
    ).median;
    lines.push(`    ${kind.padEnd(20)} ${format(each)} a dump (${(60 / each).toFixed(1)} a minute)`);
  }
  const proxy = await CountingProxy.start(rig.endpoint);
  try {
    await timedRss(triage("counted", ["--jobs", "1"], proxy.endpoint));
    const counted = (method: string) => proxy.requests.filter((request) => request.method === method).length;
    lines.push(
      `  requests of one worker's run through the counting proxy: ${counted("GET")} GET, ${counted("PUT")} PUT, ${counted("HEAD")} HEAD (${(proxy.requests.length / count).toFixed(1)} per dump, listings and the write probe included)`,
    );
  } finally {
    await proxy.stop();
  }
  return lines;
}

/** What `--jobs` reserves for each kind's dump against the peak of `report` on it, whole tree summed. */
async function memory(): Promise<string[]> {
  const { bucket, kinds } = await kindBucket(1);
  const home = path.join(work, "memory");
  const workdir = path.join(work, "memory-workdir");
  const listed = JSON.parse((await run(coredump(["list", "--json"], bucket, home), true)).stdout) as Array<{
    id: string;
    size: number;
    coreSize: number | null;
  }>;
  const lines = [
    `memory --jobs reserves for a dump (src/triage/memory.ts: ${BASE_NEED / 2 ** 20} MiB + the core's size) against the peak of \`report --json\` on it, max of ${workRuns} warm runs (the core fetched and executable cached by a first run):`,
    `  ${"kind".padEnd(20)} ${"core".padStart(9)} ${"reserved".padStart(9)} ${"tree peak".padStart(9)} ${"node alone".padStart(10)}  reserve / peak`,
  ];
  let conservative = true;
  const row = (name: string, dump: ListedDump, peaks: { tree: number; single: number }) => {
    const reserved = memoryNeed({ coreSize: dump.coreSize ?? undefined, size: dump.size });
    const peak = Math.max(peaks.tree, peaks.single);
    conservative &&= reserved >= peak;
    return `  ${name.padEnd(20)} ${formatBytes(dump.coreSize ?? dump.size).padStart(9)} ${formatBytes(reserved).padStart(9)} ${formatBytes(peaks.tree).padStart(9)} ${formatBytes(peaks.single).padStart(10)}  ${(reserved / peak).toFixed(2)}×`;
  };
  for (const dump of listed) {
    const reportOf = coredump(["report", dump.id, "--json", "--workdir", workdir], bucket, home);
    await run(reportOf);
    lines.push(row(kinds.get(dump.id) ?? "?", dump, await reportPeaks(dump.id, reportOf, workRuns)));
  }
  if (options["large-core"]) {
    const large = await largeCore(options["large-core"]);
    lines.push(row(`${large.name} (${largeRuns} run)`, large.dump, large.peaks));
  }
  lines.push(`  the reserve is at least the peak for every kind: ${goal(conservative)}`);
  return lines;
}

interface ListedDump {
  id: string;
  size: number;
  coreSize: number | null;
}

/** The largest peaks of `runs` runs of `reportOf`: the whole tree's, and its largest process's (GNU time). */
async function reportPeaks(id: string, reportOf: Command, runs: number) {
  let tree = 0;
  let single = 0;
  for (let round = 0; round < runs; round++) {
    const measured = await treePeakRss({
      program: "/usr/bin/time",
      args: ["-f", "gnu-time-rss %M", reportOf.program, ...reportOf.args],
      env: reportOf.env,
    });
    if (measured.exitCode !== 0) throw new Error(`report ${id}: ${measured.stderr.slice(-1000)}`);
    tree = Math.max(tree, measured.peakBytes);
    single = Math.max(single, 1024 * Number(/gnu-time-rss (\d+)/.exec(measured.stderr)?.[1]));
    log(
      `report on ${id}, run ${round + 1}/${runs}: ${format(measured.seconds)}, tree peak ${formatBytes(tree)}`,
    );
  }
  return { tree, single };
}

/**
 * A cached out-of-memory core (its folder: `core`, and `meta.json` naming the node that ran) as one loose
 * dump in a `--dir` folder, fetched once untimed with that node as `--binary`: the peaks of `report` on it.
 */
async function largeCore(folder: string) {
  const meta = JSON.parse(await readFile(path.join(folder, "meta.json"), "utf8")) as {
    node: string;
    pid: number;
    signal: number;
    stderr: string;
    heapMb?: number;
  };
  log(`${folder}: laid out as a loose dump (the core copied, reflinked where the file system can)`);
  const laid = await crashDumps(
    [{ core: path.join(folder, "core"), pid: meta.pid, signal: meta.signal, stderr: meta.stderr }],
    "loose",
  );
  const id = laid.ids[0] ?? "";
  const analyse = ["--dir", laid.dir, "--workdir", path.join(work, "large-workdir"), "--binary", meta.node];
  const env = {
    ...callerEnv(false),
    XDG_CACHE_HOME: path.join(work, "large"),
    LLNODE_PLUGIN: llnode,
  };
  const verb = (args: readonly string[]): Command => ({
    program: process.execPath,
    args: [coredumpBin, ...args],
    env,
  });
  try {
    await run(verb(["fetch", id, "--json", ...analyse]));
    const listing = await run(verb(["list", "--json", "--dir", laid.dir]), true);
    const [dump] = JSON.parse(listing.stdout) as ListedDump[];
    if (!dump) throw new Error(`${laid.dir}: no dump listed`);
    return {
      name: `oom ${meta.heapMb ?? "?"} MB heap`,
      dump,
      peaks: await reportPeaks(id, verb(["report", id, "--json", ...analyse]), largeRuns),
    };
  } finally {
    await rm(laid.dir, { recursive: true, force: true });
  }
}

/** `list` and `groups` on `dumps` dumps without records and on the same dumps with a record each. */
async function listing(): Promise<string[]> {
  const { bucket: plain } = await ensureBucket(client, "zip", dumps, log, "triage");
  const triaged = bucketName("zip", dumps, "triaged");
  const copied = await ensureTriagedCopy(client, plain, triaged, options.node, log);
  const buckets = { without: plain, with: triaged } as const;
  const homes = { without: path.join(work, "warm-without"), with: path.join(work, "warm-with") };
  const sides = ["without", "with"] as const;
  for (const side of sides) {
    await run(coredump(["list", "--json"], buckets[side], homes[side]));
    await run(coredump(["groups", "--json"], buckets[side], homes[side]));
  }
  const verbs = ["list", "groups"] as const;
  const contenders = (cold: boolean) =>
    verbs.flatMap((verb) =>
      sides.map(
        (side): Contender => ({
          name: `${verb} ${side}`,
          runs: cold ? coldRuns : runs,
          command: (round) =>
            coredump(
              [verb, "--json"],
              buckets[side],
              cold ? path.join(work, `cold-${verb}-${side}-${round}`) : homes[side],
            ),
          ...(cold
            ? {
                after: (round: number) =>
                  rm(path.join(work, `cold-${verb}-${side}-${round}`), { recursive: true, force: true }),
              }
            : {}),
        }),
      ),
    );
  log(`warm list and groups, ${runs} rounds in turns`);
  const warm = await measure(contenders(false), log);
  log(`cold list and groups (a fresh cache each run), ${coldRuns} rounds in turns`);
  const cold = await measure(contenders(true), log);
  const requests = { without: await coldRequests(plain), with: await coldRequests(triaged) };
  const rss = await timedRss(coredump(["list", "--json"], triaged, homes.with));
  const row = (what: string, times: Record<string, Timing>, verb: string, goalLine = "") => {
    const without = times[`${verb} without`] as Timing;
    const withRecords = times[`${verb} with`] as Timing;
    return `  ${what.padEnd(12)} without records ${format(without.median).padStart(8)}, with a record each ${format(withRecords.median).padStart(8)} (${ratio(withRecords, without)}${goalLine})`;
  };
  const warmList = (warm["list with"] as Timing).median / (warm["list without"] as Timing).median;
  // Round r of each contender ran side by side: the ratio of each round's pair, whatever the load did.
  const paired = (verb: string) => {
    const without = (warm[`${verb} without`] as Timing).samples;
    const ratios = (warm[`${verb} with`] as Timing).samples.map(
      (seconds, round) => seconds / (without[round] ?? 1),
    );
    return `median of the rounds' own ratios ${summarise(verb, ratios).median.toFixed(2)}× (${Math.min(...ratios).toFixed(2)}× to ${Math.max(...ratios).toFixed(2)}×)`;
  };
  const extraGets = requests.with.gets - requests.without.gets;
  const extraListings = requests.with.listings - requests.without.listings;
  return [
    `list and groups --json on ${dumps.toLocaleString("en")} zip dumps (${plain}; ${triaged}: the same dumps and ${copied.records} records), wall time, in turns, load ${loads()} at the end:`,
    `  warm (median of ${runs}):`,
    row("list", warm, "list", `; goal ≤ 1.2×: ${goal(warmList <= 1.2)}`),
    row("groups", warm, "groups"),
    `  paired by round: list ${paired("list")}; groups ${paired("groups")}`,
    `  cold, a fresh cache each run (median of ${coldRuns}):`,
    row("list", cold, "list"),
    row("groups", cold, "groups"),
    `  requests of a cold list: without records ${requests.without.listings} listings + ${requests.without.gets} GET; with ${requests.with.listings} listings + ${requests.with.gets} GET: ${(extraGets / copied.records).toFixed(2)} more GET per triaged dump (goal ≤ 1: ${goal(extraGets <= copied.records)}), ${extraListings} more listings in all`,
    `  warm list --json with records: peak RSS ${(rss.rss / 1024).toFixed(0)} MB`,
  ];
}

/** The requests of a cold `list --json` through a counting proxy. */
async function coldRequests(bucket: string): Promise<{ gets: number; listings: number }> {
  const proxy = await CountingProxy.start(rig.endpoint);
  try {
    await run(
      coredump(["list", "--json"], bucket, await mkdtemp(path.join(work, "counted-")), proxy.endpoint),
    );
    const listings = proxy.requests.filter((request) => /[?&]list-type=2/.test(request.path)).length;
    return { gets: proxy.objectReads().length, listings };
  } finally {
    await proxy.stop();
  }
}
