/**
 * Pulling node out of a crashed container's image: `coredump fetch` against `skopeo copy` + `tar -x`, on
 * the rig's open registry (127.0.0.1:5000) with a two-layer image (a tiny base, then the official Node
 * build at /usr/local/bin/node, as tests/support/app-image.ts pushes it), named by the image-info of a zip
 * dump of the tutorial's crash under that node (a real core) in a bucket of the rig's Ceph RGW:
 *
 * 1. cold, a fresh working folder and a fresh XDG_CACHE_HOME each run:
 *    (1) `coredump fetch <id> --json`: the core, then the executable pulled from the image;
 *    (2) `coredump fetch <id> --json --no-executable`: the core alone; binary part = (1) − (2);
 *    (3) `skopeo copy docker://…@<digest> dir:D` (Debian's skopeo) and `tar -xzf` of usr/local/bin/node
 *        from the layer blob that holds it;
 *        `skopeo copy` alone, to split (3);
 * 2. warm, a second fetch into the same working folder with the same XDG_CACHE_HOME:
 *    (4) `coredump fetch <id> --json`: the core already there, the executable a cache hit;
 *    (5) the same with `--no-executable`; the warm binary part = (4) − (5).
 *
 * Before timing, each result is checked: the executable's source (`image`, `cache`) and its bytes (the
 * official build's), and, under strace, the connect() calls of (1) and (4) to the registry: (4) must make
 * none. Each contender's checked run counts as its first sample; the rest take turns (bench/timing.ts).
 * bench/binary-pull.sh starts the rigs, builds and runs this.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DeleteBucketCommand, DeleteObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { pushAppImage } from "../tests/support/app-image.js";
import { defaultSpec, dumpName, zipDump } from "../tests/support/handler-layout.js";
import { officialNode } from "../tests/support/node-builds.js";
import { realCore } from "../tests/support/real-core.js";
import { freshBucket, putObjects, rigS3, s3Client, s3Env } from "../tests/support/s3-rig.js";
import {
  type Command,
  type Contender,
  format,
  measure,
  type Outcome,
  run,
  summarise,
  type Timing,
} from "./timing.js";

const SKOPEO = "/usr/bin/skopeo";
const STRACE = "/usr/bin/strace";
const IN_IMAGE = "usr/local/bin/node";
const here = path.dirname(fileURLToPath(import.meta.url));
const coredumpBin = path.resolve(here, "..", "..", "bin", "coredump.js");

const { values: options } = parseArgs({
  options: {
    runs: { type: "string", default: "7" },
    node: { type: "string", default: "20.20.2" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (options.help) {
  process.stdout.write("usage: node dist/bench/binary-pull.js [--runs 7] [--node 20.20.2]\n");
  process.exit(0);
}
const runs = Number(options.runs);
if (!Number.isInteger(runs) || runs < 2) throw new Error("--runs: a whole number ≥ 2");
const version = options.node;

const s3 = rigS3();
/** The caller's environment without its S3 or AWS settings (the CA bundle aside), colours off. */
const baseEnv: NodeJS.ProcessEnv = {
  ...Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(S3_|AWS_(?!CA_BUNDLE)|XDG_CACHE_HOME$)/.test(name)),
  ),
  NO_COLOR: "1",
};

interface FetchJson {
  core: string;
  executable: string | null;
  executableSource?: string;
  executableDetail?: string;
  reused: boolean;
}

const startedAt = performance.now();
const loadAtStart = loads();
const work = await mkdtemp(path.join(tmpdir(), "coredump-bench-binary-pull-"));
let bucket: string | undefined;
let zipKey: string | undefined;
try {
  log(`the official Node ${version}, its real core of the tutorial's crash, its image on the registry`);
  const node = await officialNode(version);
  const nodeSha = await sha256(node);
  const crash = await realCore({ node });
  const image = await pushAppImage(node, `/${IN_IMAGE}`, `bench-binary-pull-${version}`);
  const imageRef = `${image.repo}@${image.digest}`;
  const registryPort = /:(\d+)$/.exec(image.repo.split("/")[0] ?? "")?.[1] ?? "443";
  const spec = defaultSpec({
    core: crash.core,
    pid: crash.pid,
    signal: crash.signal,
    image,
    containers: [{ name: "app", log: crash.stderr }],
  });
  zipKey = `${dumpName(spec)}.zip`;
  bucket = await freshBucket(s3, "bench-binary-pull");
  await putObjects(s3, bucket, zipDump(spec));
  const zipBytes =
    (await s3Client(s3).send(new HeadObjectCommand({ Bucket: bucket, Key: zipKey }))).ContentLength ?? 0;
  const id = spec.uuid;

  const folder = (label: string, round: number) => path.join(work, `${label}-${round}`);
  const fetchCommand = (dir: string, extra: string[] = []): Command => ({
    program: process.execPath,
    args: [coredumpBin, "fetch", id, "--workdir", path.join(dir, "work"), "--json", ...extra],
    env: { ...baseEnv, ...s3Env(s3, bucket ?? ""), XDG_CACHE_HOME: path.join(dir, "xdg") },
  });
  const parse = (outcome: Outcome) => JSON.parse(outcome.stdout) as FetchJson;
  const expectNode = async (file: string | null, who: string) => {
    if (!file || (await sha256(file)) !== nodeSha)
      throw new Error(`${who}: ${file ?? "no executable"} is not the official node ${version}`);
  };

  // Under strace, untimed: which registry connections a cold and a warm fetch make.
  const warmDir = path.join(work, "warm");
  const cold = await traced(fetchCommand(warmDir), registryPort);
  const first = parse(cold.outcome);
  if (first.executableSource !== "image") throw new Error(`cold fetch: ${cold.outcome.stdout}`);
  await expectNode(first.executable, "cold fetch");
  const layer = /\(layer (sha256:[0-9a-f]{64})\)/.exec(first.executableDetail ?? "")?.[1];
  if (!layer) throw new Error(`no layer digest in ${first.executableDetail}`);
  let layerBytes = 0;
  const warm = await traced(fetchCommand(warmDir), registryPort);
  const again = parse(warm.outcome);
  if (again.executableSource !== "cache" || !again.reused)
    throw new Error(`warm fetch: ${warm.outcome.stdout}`);
  log(`connect() to the registry: cold fetch ${cold.registry}, warm fetch ${warm.registry}`);
  if (warm.registry !== 0) throw new Error("the warm fetch spoke to the registry");

  const skopeoScript = (tar: boolean) =>
    `set -euo pipefail
mkdir -p "$D"
${SKOPEO} copy -q --src-tls-verify=false "docker://$IMAGE" "dir:$D/image"` +
    (tar ? `\nmkdir "$D/root"\ntar -xzf "$D/image/\${LAYER#sha256:}" -C "$D/root" ${IN_IMAGE}` : "");
  const skopeo = (dir: string, tar: boolean): Command => ({
    program: "/bin/bash",
    args: ["-c", skopeoScript(tar)],
    env: { ...baseEnv, D: dir, IMAGE: imageRef, LAYER: layer },
  });
  const contenders: Array<Checked<Name>> = [
    {
      name: "fetch",
      runs,
      command: (round) => fetchCommand(folder("fetch", round)),
      after: (round) => rm(folder("fetch", round), { recursive: true, force: true }),
      check: async (outcome) => {
        const result = parse(outcome);
        if (result.executableSource !== "image") throw new Error(`(1): ${outcome.stdout}`);
        await expectNode(result.executable, "(1)");
      },
    },
    {
      name: "core",
      runs,
      command: (round) => fetchCommand(folder("core", round), ["--no-executable"]),
      after: (round) => rm(folder("core", round), { recursive: true, force: true }),
      check: async (outcome) => {
        if (parse(outcome).executable !== null) throw new Error(`(2): ${outcome.stdout}`);
      },
    },
    {
      name: "skopeo",
      runs,
      command: (round) => skopeo(folder("skopeo", round), true),
      after: (round) => rm(folder("skopeo", round), { recursive: true, force: true }),
      check: async (_, round) => {
        await expectNode(path.join(folder("skopeo", round), "root", IN_IMAGE), "(3)");
        layerBytes = (await stat(path.join(folder("skopeo", round), "image", layer.slice(7)))).size;
      },
    },
    {
      name: "skopeoCopy",
      runs,
      command: (round) => skopeo(folder("skopeoCopy", round), false),
      after: (round) => rm(folder("skopeoCopy", round), { recursive: true, force: true }),
      check: async (_, round) => {
        const manifest = await readFile(
          path.join(folder("skopeoCopy", round), "image", "manifest.json"),
          "utf8",
        );
        if (!manifest.includes(layer)) throw new Error(`skopeo copy: no ${layer} in ${manifest}`);
      },
    },
    {
      name: "warm",
      runs,
      command: () => fetchCommand(warmDir),
      check: async (outcome) => {
        const result = parse(outcome);
        if (result.executableSource !== "cache" || !result.reused) throw new Error(`(4): ${outcome.stdout}`);
      },
    },
    {
      name: "warmCore",
      runs,
      command: () => fetchCommand(warmDir, ["--no-executable"]),
      check: async (outcome) => {
        const result = parse(outcome);
        if (result.executable !== null || !result.reused) throw new Error(`(5): ${outcome.stdout}`);
      },
    },
  ];
  const times = await timeChecked(contenders, "binary pull");

  const { fetch: one, core: two, skopeo: three, skopeoCopy, warm: four, warmCore: five } = times;
  const binary = one.median - two.median;
  const paired = summarise(
    "binary",
    one.samples.map((seconds, index) => seconds - (two.samples[index] ?? 0)),
  );
  const warmBinary = four.median - five.median;
  const warmPaired = summarise(
    "warm binary",
    four.samples.map((seconds, index) => seconds - (five.samples[index] ?? 0)),
  );
  const report = [
    `node out of a two-layer image on the rig's open registry (${imageRef.split("@")[0]}), ` +
      `wall time, median of ${runs}`,
    ...table(
      [
        ["(1) coredump fetch --json, cold", one],
        ["(2) coredump fetch --json --no-executable, cold", two],
        ["(3) skopeo copy + tar -xzf usr/local/bin/node", three],
        ["    skopeo copy alone", skopeoCopy],
        ["(4) coredump fetch --json, warm (cache hit)", four],
        ["(5) coredump fetch --json --no-executable, warm", five],
      ],
      [["(3)", three]],
    ),
    `  binary part, cold = (1) − (2) = ${format(binary)} (median of the rounds' differences ${format(paired.median)}, ` +
      `${format(paired.min)} … ${format(paired.max)}); (3) / binary part = ${(three.median / binary).toFixed(2)}`,
    `  binary part, warm = (4) − (5) = ${format(warmBinary)} (rounds' differences: median ${format(warmPaired.median)}, ` +
      `${format(warmPaired.min)} … ${format(warmPaired.max)}); goal well under 0.5 s (< 0.25 s): ${warmBinary < 0.25 ? "met" : "NOT met"}`,
    `  connect() calls to the registry (strace -f): cold fetch ${cold.registry}, warm fetch ${warm.registry} ` +
      `(goal: none on a cache hit: ${warm.registry === 0 ? "met" : "NOT met"})`,
    `  the layer with node: ${layer}, ${mb(layerBytes)} (gzip); node ${version}: ` +
      `${mb((await stat(node)).size)}; the dump's zip: ${mb(zipBytes)}`,
    "",
    `node ${process.version}; load average ${loadAtStart} at the start, ${loads()} at the end (2 cores here); ` +
      `bucket ${bucket}; total ${format((performance.now() - startedAt) / 1000)}`,
  ];
  process.stdout.write(`\n${report.join("\n")}\n`);
} finally {
  if (bucket && zipKey) {
    const client = s3Client(s3);
    await client
      .send(new DeleteObjectCommand({ Bucket: bucket, Key: zipKey }))
      .then(() => client.send(new DeleteBucketCommand({ Bucket: bucket })))
      .catch((error) => log(`could not remove the bucket ${bucket}: ${(error as Error).message}`));
  }
  await rm(work, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------------

type Name = "fetch" | "core" | "skopeo" | "skopeoCopy" | "warm" | "warmCore";

/** A contender whose first run, its output captured, passes `check`; that run is its first sample. */
interface Checked<Name extends string> extends Contender<Name> {
  check: (outcome: Outcome, round: number) => Promise<void>;
}

async function timeChecked<Name extends string>(
  contenders: Array<Checked<Name>>,
  title: string,
): Promise<Record<Name, Timing>> {
  const timed: Array<Contender<Name>> = [];
  for (const contender of contenders) {
    log(`checking ${contender.name}`);
    const outcome = await run(contender.command(-1), true);
    await contender.check(outcome, -1);
    await contender.after?.(-1);
    log(`  ${format(outcome.seconds)}, as expected`);
    timed.push({ ...contender, runs: contender.runs - 1, earlier: [outcome.seconds] });
  }
  log(`${title}: ${Math.max(...timed.map((contender) => contender.runs))} rounds after the checked runs`);
  return measure(timed, (line) => log(`  ${line}`));
}

/** Runs a command under `strace -f -e trace=connect`; counts its connections to 127.0.0.1:`port`. */
async function traced(command: Command, port: string): Promise<{ outcome: Outcome; registry: number }> {
  const trace = path.join(work, `strace-${Date.now()}.log`);
  await mkdir(work, { recursive: true });
  const outcome = await run(
    {
      ...command,
      program: STRACE,
      args: ["-f", "-qq", "-e", "trace=connect", "-o", trace, command.program, ...command.args],
    },
    true,
  );
  const lines = (await readFile(trace, "utf8")).split("\n");
  await rm(trace, { force: true });
  const registry = lines.filter((line) => line.includes(`sin_port=htons(${port})`)).length;
  return { outcome, registry };
}

/** Rows of `[label, timing]`: median, min, max, and the ratio of medians to each yardstick. */
function table(rows: Array<[string, Timing]>, yardsticks: Array<[string, Timing]>): string[] {
  const header = ["", "median", "min", "max", ...yardsticks.map(([label]) => `vs ${label}`)];
  const body = rows.map(([label, timing]) => [
    label,
    format(timing.median),
    format(timing.min),
    format(timing.max),
    ...yardsticks.map(([, yardstick]) => `${(timing.median / yardstick.median).toFixed(2)}×`),
  ]);
  const all = [header, ...body];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? "").length)));
  return all.map(
    (row) =>
      `  ${row.map((text, column) => (column === 0 ? text.padEnd(widths[0] ?? 0) : text.padStart(widths[column] ?? 0))).join("   ")}`,
  );
}

async function sha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function loads(): string {
  return loadavg()
    .map((load) => load.toFixed(1))
    .join(" ");
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}
