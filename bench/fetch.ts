/**
 * `coredump fetch` against the tools a user would otherwise reach for, on the rig's Ceph RGW, with a
 * 1 GiB core-like file (bench/support/fetch-corelike.ts: zero pages in runs, text and heap objects,
 * random data) stored as a loose `.core.gz` (gzip -3, as the handler) and as a zip (Deflate, default
 * level), laid out by the tests' handler-layout builders so that `coredump fetch <uuid>` finds them:
 *
 * 1. `coredump fetch <uuid> --quiet`, into a fresh working folder each run;
 * 2. the tutorial's way: `aws s3 cp` (Debian's awscli), then `gunzip` / `unzip`;
 * 3. the pipelined lower bound: `curl` of a presigned URL piped into `gunzip > core` (for the zip,
 *    `bsdtar -xOf - NAME.core`, since funzip only extracts a zip's first entry, the dump info);
 *
 * and `aws s3 cp` alone (the download, no inflating). All of it once over loopback and once through a
 * token-bucket TCP proxy at about 100 MB/s (bench/support/fetch-throttle.ts), where (2) pays download
 * plus inflate and a pipeline only the larger. Then peak RSS (`/usr/bin/time -v`) of `coredump fetch`
 * for the 1 GiB cores and a 4 GiB `.core.gz`, whose objects are deleted afterwards (the rig's OSD is
 * RAM) unless --keep-big.
 *
 * Every figure is the wall time of a whole process, median of several runs taken in turns (rotating
 * order); outputs are removed between runs, outside the time. The core-like files are generated once into
 * .cache/bench/ and the objects uploaded once into the bucket `bench-fetch`, reused while unchanged.
 * bench/fetch.sh starts the rig, installs the tools, builds and runs this.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { sha256File } from "../src/util/sha256-file.js";
import {
  type DumpSpec,
  defaultSpec,
  dumpName,
  looseDump,
  type StoredObject,
  zipDump,
} from "../tests/support/handler-layout.js";
import { rigS3, s3Client } from "../tests/support/s3-rig.js";
import { awsCliEnv, callerEnv, coredumpBin, goal, loads, log, since, whole } from "./common.js";
import { CORELIKE_VERSION, type CoreLike, writeCoreLike } from "./support/fetch-corelike.js";
import { Throttle } from "./support/fetch-throttle.js";
import { ensureBucket, remove, taggedSize, upload } from "./support/fetch-upload.js";
import { type Command, type Contender, format, measure, ratio, run, type Timing, table } from "./timing.js";

const AWS_CLI = "/usr/bin/aws";
const BSDTAR = "/usr/bin/bsdtar";
const BUCKET = "bench-fetch";
const MIB = 1024 * 1024;
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..", "..");
const cacheDir = path.join(root, ".cache", "bench");

const { values: options } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    "throttled-runs": { type: "string" },
    size: { type: "string", default: "1024" },
    big: { type: "string", default: "4096" },
    rate: { type: "string", default: "100" },
    formats: { type: "string", default: "gz,zip" },
    "keep-big": { type: "boolean", default: false },
    compare: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (options.help) {
  process.stdout.write(
    "usage: node dist/bench/fetch.js [--runs 5] [--throttled-runs N] [--size 1024] [--big 4096]\n" +
      "                                [--rate 100] [--formats gz,zip] [--keep-big] [--compare BIN]\n" +
      "  --size, --big: core sizes in MiB (--big 0: no 4 GiB memory case); --rate: proxy MB/s (0: none)\n" +
      "  --compare: another build's bin/coredump.js (a patched copy) timed and measured beside this one\n",
  );
  process.exit(0);
}
/** A second build of coredump to measure beside this one: how a change to src/ would do. */
const candidateBin = options.compare ? path.resolve(options.compare) : undefined;
const runs = whole("runs", options.runs);
const throttledRuns = whole("throttled-runs", options["throttled-runs"] ?? options.runs, 0);
const sizeMiB = whole("size", options.size);
const bigMiB = whole("big", options.big, 0);
const rate = Number(options.rate) * 1e6;
if (!Number.isFinite(rate) || rate < 0) throw new Error("--rate: MB/s, 0 for no throttled runs");
const formats = options.formats.split(",").filter((name): name is Layout => name === "gz" || name === "zip");
if (formats.length === 0) throw new Error("--formats: gz, zip or gz,zip");

type Layout = "gz" | "zip";

const rig = rigS3();
const client = s3Client(rig);
/** The caller's environment without its S3 or AWS settings (the CA bundle aside), colours off. */
const baseEnv = callerEnv(false);
const awsEnv: NodeJS.ProcessEnv = { ...baseEnv, ...awsCliEnv(rig) };

for (const tool of [AWS_CLI, "/usr/bin/time", "/usr/bin/curl", "/usr/bin/unzip", "/usr/bin/gunzip"]) {
  if (!existsSync(tool)) throw new Error(`${tool} is missing: bench/fetch.sh installs it`);
}

/** One dump in the bucket: its core's source and where its compressed bytes are. */
interface Dump {
  layout: Layout;
  uuid: string;
  /** The object holding the core: NAME.core.gz or NAME.zip. */
  key: string;
  /** The zip's core entry. */
  entry: string;
  stored: number;
  source: Source;
  objects: StoredObject[];
}

interface Source extends CoreLike {
  path: string;
  mib: number;
}

const startedAt = performance.now();
const loadAtStart = loads();
const work = await mkdtemp(path.join(tmpdir(), "coredump-bench-fetch-"));
const cacheHome = path.join(work, "xdg-cache");
let throttle: Throttle | undefined;
let bigDump: Dump | undefined;
try {
  const source = coreLike(sizeMiB);
  await ensureBucket(client, BUCKET);
  const dumps = [];
  for (const layout of formats) dumps.push(await ensureDump(layout, source));
  throttle = rate > 0 ? await Throttle.start(rig.endpoint, rate) : undefined;

  const report: string[] = [];
  const memory: string[] = [];
  for (const dump of dumps) memory.push(await checkAll(dump, throttle));
  for (const dump of dumps) report.push(...(await timeAll(dump, rig.endpoint, runs, "loopback")));
  if (throttle && throttledRuns > 0) {
    for (const dump of dumps)
      report.push(...(await timeAll(dump, throttle.endpoint, throttledRuns, `~${rate / 1e6} MB/s proxy`)));
  }
  if (bigMiB > 0) {
    bigDump = await ensureDump("gz", coreLike(bigMiB));
    memory.push(await checkCoredump(bigDump, rig.endpoint, "loopback"));
    if (candidateBin) memory.push(await checkCoredump(bigDump, rig.endpoint, "loopback", candidateBin));
  }
  report.push(
    "peak memory of coredump fetch (/usr/bin/time -v, maximum resident set size; goal < 200 MB):",
    ...memory,
    "",
    `(1) ${coredumpBin}${candidateBin ? `; (1') ${candidateBin}` : ""}; node ${process.version}`,
    `load average ${loadAtStart} at the start, ${loads()} at the end (${cpus().length} cores)`,
    `total ${format(since(startedAt))}; bucket ${BUCKET}; sources in ${path.relative(root, cacheDir)}/`,
  );
  process.stdout.write(`\n${report.join("\n")}\n`);
} finally {
  await throttle?.stop();
  if (bigDump && !options["keep-big"]) {
    log(
      `removing the ${bigMiB} MiB dump's objects from ${BUCKET} (the rig's OSD is RAM; --keep-big keeps them)`,
    );
    await remove(
      client,
      BUCKET,
      bigDump.objects.map((object) => object.key),
    ).catch((error) => log(`could not remove them: ${(error as Error).message}`));
  }
  await rm(work, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------------
// The core-like sources and the dumps in the bucket

/** `.cache/bench/fetch-corelike-v1-1024m.core`, made once (a few seconds per GiB) and reused. */
function coreLike(mib: number): Source {
  const file = path.join(cacheDir, `fetch-corelike-v${CORELIKE_VERSION}-${mib}m.core`);
  const sidecar = `${file}.json`;
  if (existsSync(file) && existsSync(sidecar)) {
    const known = JSON.parse(readFileSync(sidecar, "utf8")) as CoreLike;
    if (known.size === mib * MIB) return { ...known, path: file, mib };
  }
  log(`generating ${path.relative(root, file)} (${mib} MiB, zero pages as holes)`);
  const started = performance.now();
  mkdirSync(cacheDir, { recursive: true });
  const made = writeCoreLike(`${file}.partial`, mib * MIB);
  renameSync(`${file}.partial`, file);
  writeFileSync(sidecar, `${JSON.stringify(made, null, 2)}\n`);
  log(`  ${format(since(started))}, ${mb(made.dataBytes)} of non-zero pages`);
  return { ...made, path: file, mib };
}

/** The dump of `source` in `layout`, uploaded unless the bucket holds it already from the same source. */
async function ensureDump(layout: Layout, source: Source): Promise<Dump> {
  const uuid = stableUuid(`${layout}:${source.mib}`);
  const spec: DumpSpec = defaultSpec({
    core: source.path,
    uuid,
    timestamp: 1764147243,
    hostname: `bench-${layout}-${source.mib}m-7c9d8f6b5-x2k4p`,
    pod: `bench-${layout}-${source.mib}m-7c9d8f6b5-x2k4p`,
  });
  const name = dumpName(spec);
  const key = layout === "gz" ? `${name}.core.gz` : `${name}.zip`;
  // The loose core as kcdt.sh made it, with GNU gzip -3 (handler-layout's Node zlib level 3 is another
  // implementation: about 9% larger for this data).
  const objects =
    layout === "gz"
      ? looseDump(spec).map((object) => (object.key === key ? gnuGzip(key, source.path) : object))
      : zipDump(spec);
  const tag = `corelike-v${CORELIKE_VERSION}:${source.sha256}:${layout === "gz" ? "gzip-3" : "zip"}`;
  const dump = { layout, uuid, key, entry: `${name}.core`, source, objects };
  const found = await taggedSize(client, BUCKET, key, tag);
  if (found !== undefined) return { ...dump, stored: found };
  const how = layout === "gz" ? "gzip -3" : "zip, Deflate at zlib's default level";
  log(`uploading the ${source.mib} MiB core as ${key} (${how}, multipart)`);
  const started = performance.now();
  let stored = 0;
  // The core's object last: it carries the tag, so a run interrupted before it uploads everything again.
  const core = objects.filter((object) => object.key === key);
  for (const object of [...objects.filter((object) => object.key !== key), ...core]) {
    const size = await upload(client, BUCKET, object, tag);
    if (object.key === key) stored = size;
  }
  log(`  ${mb(stored)} in ${format(since(started))}`);
  return { ...dump, stored };
}

function gnuGzip(key: string, file: string): StoredObject {
  return {
    key,
    open: () => {
      const gzip = spawn("gzip", ["-3", "-c", file], { stdio: ["ignore", "pipe", "inherit"] });
      const output = new PassThrough();
      gzip.stdout.pipe(output, { end: false });
      gzip.on("close", (code) =>
        code === 0 ? output.end() : output.destroy(new Error(`gzip -3 ${file} exited ${code}`)),
      );
      return output;
    },
  };
}

function stableUuid(label: string): string {
  const h = createHash("sha256").update(`coredump-bench-fetch:${label}:v${CORELIKE_VERSION}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

// ---------------------------------------------------------------------------------------------------------
// The contenders

type Name = "coredump" | "candidate" | "tutorial" | "pipe" | "download";

/** A folder of its own for each run, removed after it, outside the time. */
function folder(name: string, round: number): string {
  return path.join(work, `${name}-${round}`);
}

function coredump(dump: Dump, endpoint: string, dir: string, bin = coredumpBin): Command {
  return {
    program: process.execPath,
    args: [bin, "fetch", dump.uuid, "--workdir", dir, "--quiet"],
    env: {
      ...baseEnv,
      S3_ENDPOINT: endpoint,
      S3_ACCESS_KEY: rig.accessKey,
      S3_SECRET: rig.secret,
      S3_REGION: rig.region,
      S3_BUCKET_NAME: BUCKET,
      XDG_CACHE_HOME: cacheHome,
    },
  };
}

/** A bash pipeline with `set -euo pipefail`, its folder created first, variables passed by environment. */
function shell(script: string, dir: string, env: NodeJS.ProcessEnv): Command {
  return {
    program: "/bin/bash",
    args: ["-c", `set -euo pipefail; mkdir -p "$D"; ${script}`],
    env: { ...awsEnv, ...env, D: dir },
  };
}

function awsCopy(dump: Dump, endpoint: string): string {
  return `${AWS_CLI} s3 cp --only-show-errors --endpoint-url ${endpoint} "s3://${BUCKET}/${dump.key}" "$D/"`;
}

function tutorial(dump: Dump, endpoint: string, dir: string): Command {
  const inflate =
    dump.layout === "gz" ? `gunzip -f "$D/${dump.key}"` : `unzip -q -o "$D/${dump.key}" -d "$D/out"`;
  return shell(`${awsCopy(dump, endpoint)}; ${inflate}`, dir, {});
}

function pipe(dump: Dump, url: string, dir: string): Command {
  const inflate = dump.layout === "gz" ? "gunzip" : `${BSDTAR} -xOf - "${dump.entry}"`;
  return shell(`curl -sSf "$URL" | ${inflate} > "$D/core"`, dir, { URL: url });
}

function download(dump: Dump, endpoint: string, dir: string): Command {
  return shell(awsCopy(dump, endpoint), dir, {});
}

/** Where each contender left the core. */
function coreOf(name: Name, dump: Dump, dir: string): Promise<string> | string {
  if (name === "coredump" || name === "candidate") return findCore(dir);
  if (name === "pipe") return path.join(dir, "core");
  if (dump.layout === "gz") return path.join(dir, dump.key.replace(/\.gz$/, ""));
  return path.join(dir, "out", dump.entry);
}

async function findCore(dir: string): Promise<string> {
  for (const entry of await readdir(dir)) {
    const core = path.join(dir, entry, "core");
    if (existsSync(core)) return core;
  }
  throw new Error(`coredump fetch left no core under ${dir}`);
}

async function presign(dump: Dump, endpoint: string): Promise<string> {
  const { stdout } = await run(
    {
      program: AWS_CLI,
      args: [
        "s3",
        "presign",
        `s3://${BUCKET}/${dump.key}`,
        "--endpoint-url",
        endpoint,
        "--expires-in",
        "7200",
      ],
      env: awsEnv,
    },
    true,
  );
  return stdout.trim();
}

/** funzip streams a zip's first entry only: the composer's first entry is the dump info, not the core. */
async function funzipNote(dump: Dump, url: string): Promise<string> {
  const dir = folder("funzip", 0);
  await run(shell(`curl -sSf "$URL" | funzip > "$D/first"`, dir, { URL: url })).catch(() => undefined);
  const size = await stat(path.join(dir, "first")).then(
    (info) => info.size,
    () => -1,
  );
  await rm(dir, { recursive: true, force: true });
  return `curl | funzip gives the zip's first entry (${size} bytes: ${dump.entry.replace(/\.core$/, "-dump-info.json")}), not the core`;
}

/** (3) exists for gz always, for zip where bsdtar does (bench/fetch.sh installs libarchive-tools). */
function hasPipe(dump: Dump): boolean {
  return dump.layout === "gz" || existsSync(BSDTAR);
}

function contenders(dump: Dump, endpoint: string, url: string, count: number): Array<Contender<Name>> {
  const make = (name: Name, command: (dir: string) => Command): Contender<Name> => ({
    name,
    runs: count,
    command: (round) => command(folder(name, round)),
    after: (round) => rm(folder(name, round), { recursive: true, force: true }),
  });
  return [
    make("coredump", (dir) => coredump(dump, endpoint, dir)),
    ...(candidateBin ? [make("candidate", (dir) => coredump(dump, endpoint, dir, candidateBin))] : []),
    make("tutorial", (dir) => tutorial(dump, endpoint, dir)),
    ...(hasPipe(dump) ? [make("pipe", (dir) => pipe(dump, url, dir))] : []),
    make("download", (dir) => download(dump, endpoint, dir)),
  ];
}

// ---------------------------------------------------------------------------------------------------------
// Checks, memory, timing

/** Runs every contender once over loopback (and coredump once through the proxy), checking its core. */
async function checkAll(dump: Dump, proxy: Throttle | undefined): Promise<string> {
  const url = await presign(dump, rig.endpoint);
  for (const { name, command } of contenders(dump, rig.endpoint, url, 1)) {
    if (name === "download" || name === "coredump" || name === "candidate") continue;
    const dir = folder(name, 0);
    log(`${dump.layout}: checking ${name}'s core`);
    await run(command(0));
    await expectCore(await coreOf(name, dump, dir), dump.source, `${name} (${dump.layout})`);
    await rm(dir, { recursive: true, force: true });
  }
  const lines: string[] = [];
  for (const bin of [coredumpBin, candidateBin]) {
    if (!bin) continue;
    lines.push(await checkCoredump(dump, rig.endpoint, "loopback", bin));
    if (proxy) lines.push(await checkCoredump(dump, proxy.endpoint, `~${rate / 1e6} MB/s proxy`, bin));
  }
  return lines.join("\n");
}

/** One `coredump fetch` under /usr/bin/time -v: its core checked byte for byte (sha256), its peak RSS. */
async function checkCoredump(
  dump: Dump,
  endpoint: string,
  where: string,
  bin = coredumpBin,
): Promise<string> {
  const dir = folder("coredump-check", 0);
  const which = bin === coredumpBin ? "(1)" : "(1')";
  log(`${dump.layout} ${dump.source.mib} MiB: ${which} coredump fetch under /usr/bin/time -v (${where})`);
  const command = coredump(dump, endpoint, dir, bin);
  const outcome = await run({
    ...command,
    program: "/usr/bin/time",
    args: ["-v", command.program, ...command.args],
  });
  const kib = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(outcome.stderr)?.[1]);
  const core = await findCore(dir);
  const disk = (await stat(core)).blocks * 512;
  await expectCore(core, dump.source, `coredump fetch (${dump.layout}, ${dump.source.mib} MiB)`);
  await rm(dir, { recursive: true, force: true });
  const rss = (kib * 1024) / 1e6;
  return (
    `  ${which} ${`${describe(dump)}, ${where}`.padEnd(50)}${`${rss.toFixed(0)} MB`.padStart(7)}   ` +
    `${rss < 200 ? "met" : "NOT met"}   (${format(outcome.seconds)}, ${mb(disk)} on disk, sha256 ok)`
  );
}

async function expectCore(file: string, source: Source, who: string): Promise<void> {
  const info = await stat(file);
  if (info.size !== source.size)
    throw new Error(`${who}: core of ${info.size} bytes, expected ${source.size}`);
  const sha = await sha256File(file);
  if (sha !== source.sha256) throw new Error(`${who}: sha256 ${sha}, expected ${source.sha256}`);
}

async function timeAll(dump: Dump, endpoint: string, count: number, where: string): Promise<string[]> {
  const url = await presign(dump, endpoint);
  const note = dump.layout === "zip" ? await funzipNote(dump, url) : undefined;
  log(`${describe(dump)}, ${where}: ${count} rounds`);
  const times: Partial<Record<Name, Timing>> = await measure(contenders(dump, endpoint, url, count), (text) =>
    log(`  ${text}`),
  );
  const { coredump: mine, candidate, tutorial: theirs, pipe: piped, download: alone } = times;
  if (!mine || !theirs || !alone) throw new Error("a contender went unmeasured");
  const inflateTool = dump.layout === "gz" ? "gunzip" : "unzip";
  const pipeTool = dump.layout === "gz" ? "gunzip > core" : "bsdtar -xOf - NAME.core > core";
  const rows: Array<[string, Timing | undefined]> = [
    ["(1) coredump fetch --quiet", mine],
    ["(1') the same, --compare build", candidate],
    [`(2) aws s3 cp + ${inflateTool}`, theirs],
    [`(3) curl presigned | ${pipeTool}`, piped],
    ["    aws s3 cp alone (download)", alone],
  ];
  const yardsticks: Array<[string, Timing | undefined]> = [
    ["(2)", theirs],
    ["(3)", piped],
    ["dl", alone],
  ];
  const lines = [`${describe(dump)}, ${where}: wall time, median of ${count}`, ...table(rows, yardsticks)];
  if (note) lines.push(`  note: ${note}; (3) for the zip is bsdtar's streaming reader instead`);
  const goals = (label: string, time: Timing) => {
    const speed = `(2)/${label} = ${(theirs.median / time.median).toFixed(2)}`;
    if (where !== "loopback")
      return [
        `  goal ${label} ≤ 1.1× the download alone: ${goal(time.median <= 1.1 * alone.median)} ` +
          `(${ratio(time, alone)}); ${speed}${piped ? `; ${label}/(3) = ${ratio(time, piped)}` : ""}`,
      ];
    return [
      `  goal ${label} ≥ 1.5× faster than (2): ${goal(theirs.median / time.median >= 1.5)} (${speed})`,
      ...(piped
        ? [
            `  goal ${label} no slower than (3): ${goal(time.median <= piped.median)} (${label}/(3) = ${ratio(time, piped)})`,
          ]
        : []),
    ];
  };
  lines.push(...goals("(1)", mine), ...(candidate ? goals("(1')", candidate) : []));
  lines.push("");
  return lines;
}

function describe(dump: Dump): string {
  const sizeText = dump.source.mib % 1024 === 0 ? `${dump.source.mib / 1024} GiB` : `${dump.source.mib} MiB`;
  return `${sizeText} core as ${dump.layout === "gz" ? ".core.gz" : "zip"} (${mb(dump.stored)})`;
}

// ---------------------------------------------------------------------------------------------------------
// Small helpers

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 10e6 ? 1 : 0)} MB`;
}
