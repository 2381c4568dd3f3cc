/**
 * `coredump list` and `coredump groups` at scale against the tools a user would otherwise reach for, on the
 * rig's Ceph RGW, for 10,000 zip dumps (today's layout) and 10,000 loose dumps (2020's, four objects each):
 *
 * - cold `list` (a fresh cache each run) against the naive parallel job (bench/naive-tail.ts: the listing,
 *   then one ranged GET of 64 KiB per dump, 64 in flight);
 * - warm `list` (metadata cached) against `aws s3 ls --recursive` and a sequential SDK listing loop;
 * - warm `groups` against warm `list`;
 * - request counts of a cold `list` through the tests' counting proxy, and peak RSS of cold and warm runs;
 * - with `--growth 30000,100000`, cold and warm `list` at those sizes (their buckets are filled first:
 *   minutes each; not for CI);
 * - `coredump --help` against `node -e 0`.
 *
 * Every figure is the wall time of a whole process, median of several runs taken in turns. See
 * bench/README.md; bench/run.sh starts the rig, builds and runs this.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CountingProxy } from "../tests/support/counting-proxy.js";
import { rigS3, s3Client } from "../tests/support/s3-rig.js";
import {
  awsCliEnv,
  callerEnv,
  coredumpBin,
  coredumpCommand,
  goal,
  log,
  peakRss,
  rigEnv,
  since,
  timedRss,
  whole,
} from "./common.js";
import { ensureBucket, type Layout, type Population } from "./populate.js";
import {
  type Command,
  type Contender,
  format,
  measure,
  type Outcome,
  ratio,
  run,
  type Timing,
} from "./timing.js";

/** Debian's awscli; a pyenv shim may come first on PATH. */
const AWS_CLI = "/usr/bin/aws";
const here = path.dirname(fileURLToPath(import.meta.url));
const sdkLoop = path.join(here, "sdk-loop.js");
const naiveTail = path.join(here, "naive-tail.js");
/** Where the summary lines start their figures. */
const SUMMARY_WIDTH = 40;

const { values: options } = parseArgs({
  options: {
    dumps: { type: "string", default: "10000" },
    "zip-dumps": { type: "string", default: "10000" },
    label: { type: "string", default: "bench" },
    growth: { type: "string", default: "" },
    "growth-only": { type: "boolean", default: false },
    runs: { type: "string", default: "5" },
    "cold-runs": { type: "string", default: "3" },
    "help-runs": { type: "string", default: "20" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (options.help) {
  process.stdout.write(
    "usage: node dist/bench/list.js [--dumps 10000] [--zip-dumps 10000] [--runs 5] [--cold-runs 3]\n" +
      "                               [--help-runs 20] [--label bench] [--growth 30000,100000]\n" +
      "                               [--growth-only]\n" +
      "  --growth-only: only the growth section (no 10,000-dump sections, no --help timing)\n" +
      "  --label: buckets are <label>-zip-<n> and <label>-loose-<n> (one's own on a shared rig)\n",
  );
  process.exit(0);
}
const dumps = whole("dumps", options.dumps);
const zipDumps = whole("zip-dumps", options["zip-dumps"]);
const runs = whole("runs", options.runs);
const coldRuns = whole("cold-runs", options["cold-runs"]);
const helpRuns = whole("help-runs", options["help-runs"]);
const label = options.label;
const growth = options.growth
  .split(",")
  .filter((word) => word !== "")
  .map((word) => whole("growth", word));

const rig = rigS3();
const client = s3Client(rig);
/** The caller's environment without its S3 or AWS settings (the CA bundle aside), colours off. */
const baseEnv = callerEnv(false);
const s3Env = rigEnv(rig);

/** One part of the report: its table, and its line of the summary at the end. */
interface Section {
  details: string[];
  summary: string;
}

if (!existsSync(AWS_CLI)) throw new Error(`${AWS_CLI} is missing: apt-get install -y awscli`);
const work = await mkdtemp(path.join(tmpdir(), "coredump-bench-"));
const startedAt = performance.now();
try {
  const growthOnly = options["growth-only"];
  const zip = growthOnly ? undefined : await ensureBucket(client, "zip", zipDumps, log, label);
  const loose = growthOnly ? undefined : await ensureBucket(client, "loose", dumps, log, label);
  const populated = performance.now();
  const sections = [
    ...(zip ? [await atScale(zip, "zip", zipDumps)] : []),
    ...(loose ? [await atScale(loose, "loose", dumps)] : []),
    ...(growth.length > 0 ? [await growthOf(growth)] : []),
    ...(growthOnly ? [] : [await help()]),
  ];
  const buckets = [zip, loose]
    .filter((population) => population !== undefined)
    .map(({ bucket, reused, seconds }) => `${bucket} ${reused ? "reused" : `filled in ${format(seconds)}`}`)
    .join(", ");
  const report = [
    ...sections.flatMap((section) => [...section.details, ""]),
    ...sections.map((section) => section.summary),
    "",
    `buckets: ${buckets}; benchmark ${format(since(populated))}, total ${format(since(startedAt))}`,
  ];
  process.stdout.write(`\n${report.join("\n")}\n`);
} finally {
  await rm(work, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------------
// The three sections

/** One bucket: checks, request counts, peak memory, then every contender in turns. */
async function atScale({ bucket, objects }: Population, layout: Layout, count: number): Promise<Section> {
  const warmHome = path.join(work, `warm-${layout}`);
  const suffix = layout === "zip" ? ".zip" : "-runtime-info.json";
  log(`${bucket}: checking every contender's output, filling the warm cache`);
  check("aws s3 ls lines", lines((await run(aws(bucket), true)).stdout), objects);
  const pages = await checkLoop(bucket, objects);
  check("naive job reads", Number((await run(naive(bucket, suffix), true)).stdout.split(" ")[0]), count);
  // The first cold run fills the warm cache: it is also the first cold sample.
  const fill = await run(coredump(["list"], bucket, warmHome), true);
  check("coredump list lines (cold, filling the cache)", lines(fill.stdout), count + 1);
  log(`first cold run (fills the warm cache): ${format(fill.seconds)}`);
  const warm = await run(coredump(["list"], bucket, warmHome), true);
  if (warm.stdout !== fill.stdout) throw new Error("coredump list: warm and cold outputs differ");
  const grouped = JSON.parse(
    (await run(coredump(["groups", "--json"], bucket, warmHome), true)).stdout,
  ) as Array<{
    count: number;
  }>;
  check(
    "dumps in groups",
    grouped.reduce((sum, group) => sum + group.count, 0),
    count,
  );
  const cold = await requestsOf((endpoint) =>
    coredump(["list"], bucket, path.join(work, `count-${layout}`), endpoint),
  );
  const memory = {
    cold: await peakRss(coredump(["list", "--json"], bucket, path.join(work, `rss-${layout}`))),
    warm: await peakRss(coredump(["list", "--json"], bucket, warmHome)),
    groups: await peakRss(coredump(["groups", "--json"], bucket, warmHome)),
  };

  log(`${bucket}: timing, ${runs} rounds (cold: ${coldRuns})`);
  const times = await measure(
    [
      { name: "aws", runs, command: () => aws(bucket) },
      { name: "loop", runs, command: () => loop(bucket) },
      { name: "warm", runs, command: () => coredump(["list"], bucket, warmHome) },
      { name: "groups", runs, command: () => coredump(["groups"], bucket, warmHome) },
      { name: "naive", runs: coldRuns, command: () => naive(bucket, suffix) },
      coldContender("cold", fill, (home) => coredump(["list"], bucket, home)),
    ],
    log,
  );
  const { aws: awsT, loop: loopT, warm: warmT, groups: groupsT, naive: naiveT, cold: coldT } = times;
  const title = `${thousands(count)} ${layout} dumps`;
  const details = [
    `${title} (${thousands(objects)} objects, bucket ${bucket}): wall time of whole processes, ` +
      `median of ${runs} (cold and naive: ${coldRuns})`,
    ...table(
      [
        [`aws s3 ls --recursive (${AWS_CLI})`, awsT, loopT, awsT, warmT, naiveT],
        [
          `sdk loop: sequential ListObjectsV2, ${plural(pages, "request")}`,
          loopT,
          loopT,
          awsT,
          warmT,
          naiveT,
        ],
        [
          `coredump list, warm: ${plural(cold.listings, "listing")}, no GET`,
          warmT,
          loopT,
          awsT,
          warmT,
          naiveT,
        ],
        [`coredump groups, warm (${plural(grouped.length, "group")})`, groupsT, loopT, awsT, warmT, naiveT],
        [
          `naive job: listing + ${thousands(count)} ranged GETs, 64 in flight`,
          naiveT,
          loopT,
          awsT,
          warmT,
          naiveT,
        ],
        [
          `coredump list, cold: ${plural(cold.listings, "listing")} + ${thousands(cold.reads)} GETs`,
          coldT,
          loopT,
          awsT,
          warmT,
          naiveT,
        ],
      ],
      ["loop", "aws", "warm", "naive"],
    ),
    `peak RSS: cold list ${mb(memory.cold)}, warm list ${mb(memory.warm)}, warm groups ${mb(memory.groups)}`,
    `goals: cold ≤ 1.2× naive: ${goal(coldT.median <= 1.2 * naiveT.median)} (${ratio(coldT, naiveT)}); ` +
      `warm ≤ 0.6× aws: ${goal(warmT.median <= 0.6 * awsT.median)} (${ratio(warmT, awsT)}); ` +
      `warm ≤ 1.2× loop: ${goal(warmT.median <= 1.2 * loopT.median)} (${ratio(warmT, loopT)}); ` +
      `groups ≤ 1.2× warm: ${goal(groupsT.median <= 1.2 * warmT.median)} (${ratio(groupsT, warmT)})`,
  ];
  const summary =
    `${title.padEnd(SUMMARY_WIDTH)}cold ${format(coldT.median)} (${ratio(coldT, naiveT)} naive) | ` +
    `warm ${format(warmT.median)} (${ratio(warmT, awsT)} aws, ${ratio(warmT, loopT)} loop) | ` +
    `groups ${format(groupsT.median)} (${ratio(groupsT, warmT)} warm) | RSS cold ${mb(memory.cold)}`;
  return { details, summary };
}

/** Cold and warm `list --json` of zip buckets of growing size: one run each, time and peak memory. */
async function growthOf(counts: readonly number[]): Promise<Section> {
  const rows: string[] = [];
  for (const count of counts) {
    const { bucket } = await ensureBucket(client, "zip", count, log, label);
    const home = path.join(work, `growth-${count}`);
    log(`${bucket}: cold and warm list`);
    const cold = await timedRss(coredump(["list", "--json"], bucket, home));
    const warm = await timedRss(coredump(["list", "--json"], bucket, home));
    const groups = await timedRss(coredump(["groups", "--json"], bucket, home));
    rows.push(
      `  ${thousands(count).padStart(8)} zip dumps   cold ${format(cold.seconds).padStart(8)} ${mb(cold.rss).padStart(8)}` +
        `   warm ${format(warm.seconds).padStart(8)} ${mb(warm.rss).padStart(8)}` +
        `   groups ${format(groups.seconds).padStart(8)} ${mb(groups.rss).padStart(8)}`,
    );
    await rm(home, { recursive: true, force: true });
  }
  return {
    details: [
      "growth: coredump list --json cold and warm, groups --json warm, one run each, wall time and peak RSS",
      ...rows,
    ],
    summary: `${"growth".padEnd(SUMMARY_WIDTH)}${rows.map((row) => row.trim().replace(/\s+/g, " ")).join(" | ")}`,
  };
}

async function help(): Promise<Section> {
  log(`coredump --help: ${helpRuns} rounds`);
  const env = { ...baseEnv };
  const times = await measure(
    [
      {
        name: "help",
        runs: helpRuns,
        command: () => ({ program: process.execPath, args: [coredumpBin, "--help"], env }),
      },
      {
        name: "node",
        runs: helpRuns,
        command: () => ({ program: process.execPath, args: ["-e", "0"], env }),
      },
    ],
    () => {},
  );
  const { help: helpTime, node: nodeTime } = times;
  const details = [
    `coredump --help: median of ${helpRuns}`,
    ...table(
      [
        ["coredump --help", helpTime, nodeTime],
        ["node -e 0", nodeTime, nodeTime],
      ],
      ["node"],
    ),
    `goal: coredump --help < 150 ms: ${goal(helpTime.median < 0.15)}`,
  ];
  const summary =
    `${"coredump --help".padEnd(SUMMARY_WIDTH)}${format(helpTime.median)} | ` +
    `node -e 0 ${format(nodeTime.median)} | coredump's own ${format(helpTime.median - nodeTime.median)}`;
  return { details, summary };
}

// ---------------------------------------------------------------------------------------------------------
// The contenders

function aws(bucket: string): Command {
  return {
    program: AWS_CLI,
    args: ["s3", "ls", "--recursive", `s3://${bucket}`, "--endpoint-url", rig.endpoint],
    env: { ...baseEnv, ...awsCliEnv(rig) },
  };
}

function naive(bucket: string, suffix: string): Command {
  return { program: process.execPath, args: [naiveTail, bucket, suffix], env: { ...baseEnv, ...s3Env } };
}

function loop(bucket: string): Command {
  return { program: process.execPath, args: [sdkLoop, bucket], env: { ...baseEnv, ...s3Env } };
}

function coredump(args: readonly string[], bucket: string, cacheHome: string, endpoint?: string): Command {
  return coredumpCommand(rig, args, bucket, cacheHome, endpoint ? { endpoint } : {});
}

/**
 * A fresh cache home for each run, removed after it (outside the time). The run that filled the warm
 * cache counts as the first: `--cold-runs` includes it.
 */
function coldContender<Name extends string>(
  name: Name,
  fill: Outcome,
  command: (cacheHome: string) => Command,
): Contender<Name> {
  const home = (round: number) => path.join(work, `${name}-${round}`);
  return {
    name,
    runs: coldRuns - 1,
    earlier: [fill.seconds],
    command: (round) => command(home(round)),
    after: (round) => rm(home(round), { recursive: true, force: true }),
  };
}

/** Checks that the SDK loop sees every object; returns how many pages it took. */
async function checkLoop(bucket: string, objects: number): Promise<number> {
  const [listed, pages] = (await run(loop(bucket), true)).stdout.trim().split(" ").map(Number);
  check("sdk loop objects", listed ?? -1, objects);
  return pages ?? 0;
}

/** The requests one run of `command` makes, through a counting proxy in front of the rig. */
async function requestsOf(
  command: (endpoint: string) => Command,
): Promise<{ listings: number; reads: number }> {
  const proxy = await CountingProxy.start(rig.endpoint);
  try {
    await run(command(proxy.endpoint));
    const listings = proxy.requests.filter((request) => /[?&]list-type=2/.test(request.path)).length;
    return { listings, reads: proxy.objectReads().length };
  } finally {
    await proxy.stop();
  }
}

/** Peak resident memory of one run, in KiB, from GNU time. */
// ---------------------------------------------------------------------------------------------------------
// Small helpers

function mb(kib: number): string {
  return `${(kib / 1024).toFixed(0)} MB`;
}

function lines(text: string): number {
  return text.split("\n").filter((line) => line !== "").length;
}

function check(what: string, actual: number, expected: number): void {
  if (actual !== expected) throw new Error(`${what}: ${actual}, expected ${expected}`);
}

function thousands(value: number): string {
  return value.toLocaleString("en");
}

function plural(value: number, noun: string): string {
  return `${thousands(value)} ${noun}${value === 1 ? "" : "s"}`;
}

/** Rows of `[label, timing, ...yardsticks]`: median, min, max, and a ratio of medians per yardstick. */
function table(rows: Array<[string, Timing, ...Timing[]]>, yardsticks: readonly string[]): string[] {
  const header = ["", "median", "min", "max", ...yardsticks.map((name) => `vs ${name}`)];
  const body = rows.map(([label, timing, ...against]) => [
    label,
    format(timing.median),
    format(timing.min),
    format(timing.max),
    ...against.map((yardstick) => ratio(timing, yardstick)),
  ]);
  const all = [header, ...body];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? "").length)));
  const cell = (text: string, column: number) =>
    column === 0 ? text.padEnd(widths[0] ?? 0) : text.padStart(widths[column] ?? 0);
  return all.map((row) => `  ${row.map(cell).join("   ")}`);
}
