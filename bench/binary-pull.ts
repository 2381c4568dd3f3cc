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
import { mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { sha256File } from "../src/util/sha256-file.js";
import { rigS3, s3Client, s3Env } from "../tests/support/s3-rig.js";
import { callerEnv, coredumpBin, loads, log, TutorialZipBucket } from "./common.js";
import {
  type Checked,
  type Command,
  format,
  type Outcome,
  run,
  summarise,
  table,
  timeChecked,
} from "./timing.js";

const SKOPEO = "/usr/bin/skopeo";
const STRACE = "/usr/bin/strace";
const IN_IMAGE = "usr/local/bin/node";

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
/** The caller's environment without S3_*, AWS_* (the CA bundle aside) or XDG_CACHE_HOME; colours off. */
const baseEnv = callerEnv(true);

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
const dump = new TutorialZipBucket(s3);
try {
  const { node, image, spec, bucket, key: zipKey } = await dump.fill(version, "binary-pull");
  const nodeSha = await sha256File(node);
  const imageRef = `${image.repo}@${image.digest}`;
  const registryPort = /:(\d+)$/.exec(image.repo.split("/")[0] ?? "")?.[1] ?? "443";
  const zipBytes =
    (await s3Client(s3).send(new HeadObjectCommand({ Bucket: bucket, Key: zipKey }))).ContentLength ?? 0;
  const id = spec.uuid;

  const folder = (label: string, round: number) => path.join(work, `${label}-${round}`);
  const fetchCommand = (dir: string, extra: string[] = []): Command => ({
    program: process.execPath,
    args: [coredumpBin, "fetch", id, "--workdir", path.join(dir, "work"), "--json", ...extra],
    env: { ...baseEnv, ...s3Env(s3, bucket), XDG_CACHE_HOME: path.join(dir, "xdg") },
  });
  const parse = (outcome: Outcome) => JSON.parse(outcome.stdout) as FetchJson;
  const expectNode = async (file: string | null, who: string) => {
    if (!file || (await sha256File(file)) !== nodeSha)
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
  const times = await timeChecked(contenders, "binary pull", log);

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
  await dump.remove();
  await rm(work, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------------

type Name = "fetch" | "core" | "skopeo" | "skopeoCopy" | "warm" | "warmCore";

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

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
