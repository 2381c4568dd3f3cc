/**
 * `coredump triage` on the rig: the throughput of one worker on real cores of every kind (Node 22, crashed
 * for real by tests/support/kind-core.ts, served from RGW with their executable in the rig's registry),
 * per dump and by kind, with --jobs 1 and --jobs 2, and the peak RSS of each run; requests per dump; then
 * `list` and `groups` on 10,000 dumps with and without a record for each, warm and cold.
 *
 *   bash bench/triage.sh [--dumps 10000] [--runs 5] [--only throughput|list]
 *
 * Every time is the wall time of a whole process (bench/timing.ts). Records of the 10,000 dumps are
 * placeholders of a real record's size; they are removed at the end so that the bucket is reused.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { DeleteObjectsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { RECORDS_FOLDER } from "../src/catalog/key-name.js";
import { CountingProxy } from "../tests/support/counting-proxy.js";
import { zipDump } from "../tests/support/handler-layout.js";
import { kindDumps } from "../tests/support/kind-dumps.js";
import { projectLlnode } from "../tests/support/llnode-plugin.js";
import { freshBucket, putObjects, rigS3, s3Client } from "../tests/support/s3-rig.js";
import { callerEnv, coredumpBin, goal, log, timedRss, whole } from "./common.js";
import { ensureBucket } from "./populate.js";
import { listAll } from "./sdk-loop.js";
import { type Command, format, measure, ratio } from "./timing.js";

const { values: options } = parseArgs({
  options: {
    dumps: { type: "string", default: "10000" },
    runs: { type: "string", default: "5" },
    node: { type: "string", default: "22.22.0" },
    only: { type: "string", default: "" },
  },
});
const dumps = whole("--dumps", options.dumps);
const runs = whole("--runs", options.runs);
const rig = rigS3();
const client = s3Client(rig);
const work = await mkdtemp(path.join(tmpdir(), "coredump-bench-triage-"));
const llnode = await projectLlnode();

function coredump(
  args: readonly string[],
  bucket: string,
  cacheHome: string,
  endpoint = rig.endpoint,
): Command {
  return {
    program: process.execPath,
    args: [coredumpBin, ...args],
    env: {
      ...callerEnv(true),
      S3_ENDPOINT: endpoint,
      S3_ACCESS_KEY: rig.accessKey,
      S3_SECRET: rig.secret,
      S3_REGION: rig.region,
      S3_BUCKET_NAME: bucket,
      XDG_CACHE_HOME: cacheHome,
      LLNODE_PLUGIN: llnode,
    },
  };
}

interface Line {
  id: string;
  kind: string | null;
  status: string;
  seconds: number;
}

const report: string[] = [];
try {
  if (options.only !== "list") report.push(...(await throughput()), "");
  if (options.only !== "throughput") report.push(...(await listing()));
  process.stdout.write(`\n${report.join("\n")}\n`);
} finally {
  await rm(work, { recursive: true, force: true });
}

/** One worker on every kind, --jobs 1 then 2, each on records of its own (a fresh --results prefix). */
async function throughput(): Promise<string[]> {
  const bucket = await freshBucket(rig, "bench-triage");
  const { dumps: made } = await kindDumps(options.node, `bench-triage-${options.node}`);
  await putObjects(
    rig,
    bucket,
    made.flatMap(({ spec }) => zipDump(spec, { coreCompression: "store" })),
  );
  const home = path.join(work, "throughput");
  const workdir = path.join(work, "workdir");
  const triage = (jobs: number, prefix: string, endpoint?: string) =>
    coredump(
      [
        "triage",
        "--json",
        "--jobs",
        String(jobs),
        "--workdir",
        workdir,
        "--results",
        `s3://${bucket}/${prefix}/`,
      ],
      bucket,
      home,
      endpoint,
    );
  // The executable and llnode into the cache first: what a worker pays once, not per dump.
  await timedRss(triage(1, "warm-up"));
  const lines: string[] = [`triage of ${made.length} real cores (Node ${options.node}), one worker:`];
  for (const jobs of [1, 2]) {
    const samples: Array<{ seconds: number; rss: number; kinds: Line[] }> = [];
    for (let round = 0; round < runs; round++) {
      const run = await timedRss(triage(jobs, `jobs${jobs}-${round}`));
      const kinds = run.stdout
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as Line);
      if (kinds.length !== made.length || kinds.some((line) => line.status !== "triaged"))
        throw new Error(`triage --jobs ${jobs}: ${run.stdout}`);
      samples.push({ seconds: run.seconds, rss: run.rss, kinds });
      log(`--jobs ${jobs} round ${round + 1}/${runs}: ${format(run.seconds)}`);
    }
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    const seconds = median(samples.map((sample) => sample.seconds));
    lines.push(
      `  --jobs ${jobs}: ${format(seconds)} for ${made.length} dumps (median of ${runs}), ${((60 * made.length) / seconds).toFixed(1)} dumps/min, peak RSS ${(Math.max(...samples.map((sample) => sample.rss)) / 1024).toFixed(0)} MB`,
    );
    if (jobs === 1)
      for (const kind of new Set(samples[0]?.kinds.map((line) => line.kind ?? "?"))) {
        const each = median(
          samples.flatMap((sample) =>
            sample.kinds.filter((line) => line.kind === kind).map((line) => line.seconds),
          ),
        );
        lines.push(`    ${kind}: ${format(each)} a dump (${(60 / each).toFixed(1)} a minute)`);
      }
  }
  const proxy = await CountingProxy.start(rig.endpoint);
  try {
    await timedRss(triage(1, "counted", proxy.endpoint));
    const count = (method: string) => proxy.requests.filter((request) => request.method === method).length;
    lines.push(
      `  requests of a run through the counting proxy: ${count("GET")} GET, ${count("PUT")} PUT, ${count("HEAD")} HEAD (${(proxy.requests.length / made.length).toFixed(1)} per dump, listings and the write probe included)`,
    );
  } finally {
    await proxy.stop();
  }
  return lines;
}

/** `list` and `groups` on `dumps` placeholder dumps: warm and cold, without records and with one each. */
async function listing(): Promise<string[]> {
  const { bucket } = await ensureBucket(client, "zip", dumps, log, "triage");
  const warmHome = path.join(work, "warm");
  const list = coredump(["list", "--json"], bucket, warmHome);
  const groups = coredump(["groups", "--json"], bucket, warmHome);
  await timedRss(list);
  const without = await measure(
    [
      { name: "list", runs, command: () => list },
      { name: "groups", runs, command: () => groups },
    ],
    log,
  );
  const coldWithout = await coldRequests(bucket);
  const keys = (await listAll(client, bucket)).keys;
  const records = keys.map((key) => {
    const slash = key.lastIndexOf("/");
    return `${key.slice(0, slash + 1)}${RECORDS_FOLDER}${key.slice(slash + 1).replace(/\.zip$/, ".json")}`;
  });
  log(`${bucket}: writing ${records.length} records`);
  const limit = pLimit(32);
  await Promise.all(records.map((key, index) => limit(() => putRecord(bucket, key, keys[index] ?? ""))));
  try {
    await timedRss(list);
    const withRecords = await measure(
      [
        { name: "list", runs, command: () => list },
        { name: "groups", runs, command: () => groups },
      ],
      log,
    );
    const rss = await timedRss(list);
    const coldWith = await coldRequests(bucket);
    return [
      `list and groups on ${dumps.toLocaleString("en")} zip dumps (${bucket}), warm, median of ${runs}:`,
      `  list   without records ${format(without.list.median)}, with a record each ${format(withRecords.list.median)} (${ratio(withRecords.list, without.list)}; goal ≤ 1.2×: ${goal(withRecords.list.median <= 1.2 * without.list.median)})`,
      `  groups without records ${format(without.groups.median)}, with a record each ${format(withRecords.groups.median)} (${ratio(withRecords.groups, without.groups)})`,
      `  warm list --json with records: peak RSS ${(rss.rss / 1024).toFixed(0)} MB`,
      `  cold list (fresh cache): ${coldWithout.gets} GET, ${format(coldWithout.seconds)} without records; ${coldWith.gets} GET, ${format(coldWith.seconds)} with (${coldWith.gets - coldWithout.gets} more: one small record per dump)`,
    ];
  } finally {
    for (let start = 0; start < records.length; start += 1000)
      await client.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: records.slice(start, start + 1000).map((Key) => ({ Key })), Quiet: true },
        }),
      );
  }
}

async function coldRequests(bucket: string): Promise<{ gets: number; seconds: number }> {
  const proxy = await CountingProxy.start(rig.endpoint);
  try {
    const home = await mkdtemp(path.join(work, "cold-"));
    const run = await timedRss(coredump(["list", "--json"], bucket, home, proxy.endpoint));
    return { gets: proxy.objectReads().length, seconds: run.seconds };
  } finally {
    await proxy.stop();
  }
}

/** A record of a real one's size (an uncaught exception's, five frames) for the dump at `dumpKey`. */
async function putRecord(bucket: string, key: string, dumpKey: string): Promise<void> {
  const id = /[0-9a-f-]{36}/.exec(dumpKey)?.[0] ?? dumpKey;
  const frames = Array.from({ length: 5 }, (_, index) => ({
    function: `handler${index}`,
    file: `/usr/src/app/lib/route-${index % 3}.js`,
    line: 10 + index,
    column: 7,
    source: "llnode",
    position: "call site",
  }));
  const record = {
    format: "coredump-triage",
    version: 1,
    id,
    key: dumpKey,
    etag: "placeholder",
    status: "triaged",
    kind: "uncaught-exception",
    title: `TypeError: Cannot read properties of undefined (reading 'id') at handler${id.charCodeAt(0) % 7} (lib/route-0.js)`,
    signature: id.slice(0, 16),
    crash: {
      kind: "uncaught-exception",
      errorType: "TypeError",
      message: "Cannot read properties of undefined (reading 'id')",
      frames: [`handler${id.charCodeAt(0) % 7} (lib/route-0.js)`],
    },
    signalName: "SIGABRT",
    nodeVersion: options.node,
    error: {
      type: "TypeError",
      message: "Cannot read properties of undefined (reading 'id')",
      source: "llnode",
    },
    jsStack: frames,
    executable: { source: "cache", verification: "build-id" },
    truncated: false,
    triagedAt: new Date().toISOString(),
  };
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(record) }));
}
