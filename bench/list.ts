/**
 * `coredump list` against the tools a user would otherwise reach for, on the rig's Ceph RGW:
 *
 * 1. a bucket of 10,000 loose dumps (40,000 objects): `aws s3 ls --recursive`, a sequential
 *    ListObjectsV2 loop with the JS SDK, `coredump list` warm (metadata cached) and cold (fresh cache:
 *    3 small JSON reads per dump), `coredump list --json` warm;
 * 2. a bucket of 2,000 zip dumps over 10 namespaces: `coredump list --namespace ns-3` cold (ranged reads
 *    of every zip) and warm, with the SDK loop over that bucket as the yardstick;
 * 3. `coredump --help` against `node -e 0`.
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
import { awsCliEnv, callerEnv, coredumpBin, goal, log, since, whole } from "./common.js";
import { ensureBucket, NAMESPACES, type Population } from "./populate.js";
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
/** Where the summary lines start their figures. */
const SUMMARY_WIDTH = 40;

const { values: options } = parseArgs({
  options: {
    dumps: { type: "string", default: "10000" },
    "zip-dumps": { type: "string", default: "2000" },
    runs: { type: "string", default: "5" },
    "cold-runs": { type: "string", default: "3" },
    "help-runs": { type: "string", default: "20" },
    namespace: { type: "string", default: "ns-3" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (options.help) {
  process.stdout.write(
    "usage: node dist/bench/list.js [--dumps 10000] [--zip-dumps 2000] [--runs 5] [--cold-runs 3]\n" +
      "                               [--help-runs 20] [--namespace ns-3]\n",
  );
  process.exit(0);
}
const dumps = whole("dumps", options.dumps);
const zipDumps = whole("zip-dumps", options["zip-dumps"]);
const runs = whole("runs", options.runs);
const coldRuns = whole("cold-runs", options["cold-runs"]);
const helpRuns = whole("help-runs", options["help-runs"]);
const namespace = options.namespace;

const rig = rigS3();
const client = s3Client(rig);
/** The caller's environment without its S3 or AWS settings (the CA bundle aside), colours off. */
const baseEnv = callerEnv(false);
const rigEnv = {
  S3_ENDPOINT: rig.endpoint,
  S3_ACCESS_KEY: rig.accessKey,
  S3_SECRET: rig.secret,
  S3_REGION: rig.region,
};

/** One part of the report: its table, and its line of the summary at the end. */
interface Section {
  details: string[];
  summary: string;
}

if (!existsSync(AWS_CLI)) throw new Error(`${AWS_CLI} is missing: apt-get install -y awscli`);
const work = await mkdtemp(path.join(tmpdir(), "coredump-bench-"));
const startedAt = performance.now();
try {
  const loose = await ensureBucket(client, "loose", dumps, log);
  const zip = await ensureBucket(client, "zip", zipDumps, log);
  const populated = performance.now();
  const sections = [await listLoose(loose), await listNamespace(zip), await help()];
  const buckets = [loose, zip]
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

async function listLoose({ bucket, objects }: Population): Promise<Section> {
  const warmHome = path.join(work, "warm-loose");
  log(`${bucket}: checking every contender's output, filling the warm cache`);
  check("aws s3 ls lines", lines((await run(aws(bucket), true)).stdout), objects);
  const pages = await checkLoop(bucket, objects);
  // The first cold run fills the warm cache: it is also the first cold sample.
  const fill = await run(coredump(["list"], bucket, warmHome), true);
  check("coredump list lines (cold, filling the cache)", lines(fill.stdout), dumps + 1);
  log(`first cold run (fills the warm cache): ${format(fill.seconds)}`);
  const warm = await run(coredump(["list"], bucket, warmHome), true);
  if (warm.stdout !== fill.stdout) throw new Error("coredump list: warm and cold outputs differ");
  const json: unknown = JSON.parse((await run(coredump(["list", "--json"], bucket, warmHome), true)).stdout);
  check("coredump list --json entries", Array.isArray(json) ? json.length : -1, dumps);
  // The newest dump alone: the whole listing, and the metadata of one dump.
  const newest = await requestsOf((endpoint) =>
    coredump(["list", "-1"], bucket, path.join(work, "count-loose"), endpoint),
  );

  log(`${bucket}: timing, ${runs} rounds (cold: ${coldRuns})`);
  const times = await measure(
    [
      { name: "aws", runs, command: () => aws(bucket) },
      { name: "loop", runs, command: () => loop(bucket) },
      { name: "warm", runs, command: () => coredump(["list"], bucket, warmHome) },
      { name: "json", runs, command: () => coredump(["list", "--json"], bucket, warmHome) },
      coldContender("cold", fill, (home) => coredump(["list"], bucket, home)),
    ],
    log,
  );
  const { aws: awsTime, loop: loopTime, warm: warmTime, json: jsonTime, cold: coldTime } = times;
  const reads = newest.reads * dumps;
  const title = `list ${thousands(dumps)} loose dumps`;
  const details = [
    `${title} (${thousands(objects)} objects, bucket ${bucket}): wall time of whole processes, ` +
      `median of ${runs} (cold: ${coldRuns})`,
    ...table(
      [
        [`aws s3 ls --recursive (${AWS_CLI})`, awsTime, loopTime, awsTime],
        [`sdk loop: sequential ListObjectsV2, ${plural(pages, "request")}`, loopTime, loopTime, awsTime],
        [
          `coredump list, warm: ${plural(newest.listings, "ListObjectsV2 request")}`,
          warmTime,
          loopTime,
          awsTime,
        ],
        ["coredump list --json, warm", jsonTime, loopTime, awsTime],
        [`coredump list, cold: + ${thousands(reads)} GETs`, coldTime, loopTime, awsTime],
      ],
      ["loop", "aws"],
    ),
    `goal: coredump list warm ≤ 0.60× sdk loop: ${goal(warmTime.median / loopTime.median <= 0.6)} ` +
      `(${ratio(warmTime, loopTime)})`,
  ];
  const summary =
    `${title.padEnd(SUMMARY_WIDTH)}aws s3 ls ${format(awsTime.median)} | sdk loop ${format(loopTime.median)} | ` +
    `coredump warm ${format(warmTime.median)} (${ratio(warmTime, loopTime)} loop, ${ratio(warmTime, awsTime)} aws) | ` +
    `--json warm ${format(jsonTime.median)} | cold ${format(coldTime.median)} (${ratio(coldTime, loopTime)} loop)`;
  return { details, summary };
}

async function listNamespace({ bucket, objects }: Population): Promise<Section> {
  const args = ["list", "--namespace", namespace];
  const warmHome = path.join(work, "warm-zip");
  log(`${bucket}: checking every contender's output, filling the warm cache`);
  const pages = await checkLoop(bucket, objects);
  const fill = await run(coredump(args, bucket, warmHome), true);
  const shown = lines(fill.stdout) - 1;
  log(`first cold run (fills the warm cache): ${format(fill.seconds)}`);
  if (shown < 1) throw new Error(`coredump ${args.join(" ")} showed no dump`);
  const warm = await run(coredump(args, bucket, warmHome), true);
  if (warm.stdout !== fill.stdout)
    throw new Error(`coredump ${args.join(" ")}: warm and cold outputs differ`);
  // The newest dump alone (no filter, which would read every zip): the whole listing, one zip's reads.
  const newest = await requestsOf((endpoint) =>
    coredump(["list", "-1"], bucket, path.join(work, "count-zip"), endpoint),
  );

  log(`${bucket}: timing, ${runs} rounds (cold: ${coldRuns})`);
  const times = await measure(
    [
      { name: "loop", runs, command: () => loop(bucket) },
      { name: "warm", runs, command: () => coredump(args, bucket, warmHome) },
      coldContender("cold", fill, (home) => coredump(args, bucket, home)),
    ],
    log,
  );
  const { loop: loopTime, warm: warmTime, cold: coldTime } = times;
  const command = `coredump ${args.join(" ")}`;
  const details = [
    `list --namespace ${namespace} (${shown} of ${thousands(zipDumps)} zip dumps over ${NAMESPACES} namespaces, ` +
      `bucket ${bucket}): median of ${runs} (cold: ${coldRuns})`,
    ...table(
      [
        [`sdk loop: sequential ListObjectsV2, ${plural(pages, "request")}`, loopTime, loopTime],
        [`${command}, warm`, warmTime, loopTime],
        [
          `${command}, cold: ${plural(newest.listings, "listing")} + ${thousands(newest.reads * zipDumps)} ranged GETs`,
          coldTime,
          loopTime,
        ],
      ],
      ["loop"],
    ),
  ];
  const summary =
    `${`list --namespace, ${thousands(zipDumps)} zip dumps`.padEnd(SUMMARY_WIDTH)}` +
    `sdk loop ${format(loopTime.median)} | coredump warm ${format(warmTime.median)} (${ratio(warmTime, loopTime)} loop) | ` +
    `cold ${format(coldTime.median)} (${ratio(coldTime, loopTime)} loop)`;
  return { details, summary };
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

function loop(bucket: string): Command {
  return { program: process.execPath, args: [sdkLoop, bucket], env: { ...baseEnv, ...rigEnv } };
}

function coredump(
  args: readonly string[],
  bucket: string,
  cacheHome: string,
  endpoint = rig.endpoint,
): Command {
  return {
    program: process.execPath,
    args: [coredumpBin, ...args],
    env: { ...baseEnv, ...rigEnv, S3_ENDPOINT: endpoint, S3_BUCKET_NAME: bucket, XDG_CACHE_HOME: cacheHome },
  };
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

// ---------------------------------------------------------------------------------------------------------
// Small helpers

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
