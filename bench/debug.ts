/**
 * `coredump debug` and `coredump report` against the tutorial's way of opening a Node core with llnode,
 * on the tutorial's crash under the official Node 20 build (a real core, tests/support/real-core.ts), as a
 * zip dump in a bucket of the rig's Ceph RGW whose image-info names a two-layer image on the rig's open
 * registry holding that node at /usr/local/bin/node:
 *
 * 1. warm, on a dump fetched once into a working folder (executable resolved, metadata cached):
 *    (a) `coredump debug <id> --batch -o 'v8 bt'`;
 *    (b) the tutorial's command, `lldb --batch -o 'plugin load <llnode.so>' -o 'v8 bt' -c <core> <node>`
 *        on the unstripped node (what the `llnode` launcher runs);
 *    (b') the same on coredump's copy without DWARF (`node.nodebug`): what (a) runs underneath, so that
 *        (a) − (b') is coredump's own cost;
 * 2. cold, from nothing on disk:
 *    (c) `coredump report <id>` with a fresh working folder and a fresh XDG_CACHE_HOME (the listing, the
 *        dump's metadata, the core, the executable pulled from the registry, objcopy, llnode);
 *    (d) the tutorial's flow in bash: `aws s3 cp` of the zip, `unzip`, `skopeo copy` of the image to a
 *        folder, `tar -x` of usr/local/bin/node from its newest layer, then llnode with `v8 bt` and
 *        `v8 findjsinstances -d TypeError` on the unstripped node.
 *
 * llnode is 4.0.0 as published (`llnode/build.sh --published`), given to coredump as LLNODE_PLUGIN since
 * a fresh XDG_CACHE_HOME holds no build of it. Every figure is the wall time of a whole process; each
 * contender's first run checks its output (llnode's frame of myRequestListener, or the report's error)
 * and counts as its first sample; the rest take turns, round after round (bench/timing.ts).
 * bench/debug.sh starts the rigs, builds and runs this.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { lldbEnvironment } from "../src/debuggers/lldb-environment.js";
import { sha256File } from "../src/util/sha256-file.js";
import { dumpName } from "../tests/support/handler-layout.js";
import { publishedLlnode } from "../tests/support/llnode-plugin.js";
import { rigS3, s3Env } from "../tests/support/s3-rig.js";
import { awsCliEnv, callerEnv, coredumpBin, loads, log, TutorialZipBucket, whole } from "./common.js";
import { type Checked, type Command, type Contender, format, run, table, timeChecked } from "./timing.js";

const AWS_CLI = "/usr/bin/aws";
const LLDB = "/usr/bin/lldb";
const SKOPEO = "/usr/bin/skopeo";
/**
 * The tutorial's flow, as one would script it: the zip from the bucket, unzipped; the image copied to a
 * folder by skopeo, node untarred from its newest layer (the one the Dockerfile's COPY made); llnode on
 * the pair.
 */
const MANUAL_FLOW = `set -euo pipefail
mkdir -p "$D/root"
${AWS_CLI} s3 cp --only-show-errors --endpoint-url "$ENDPOINT" "$OBJECT" "$D/"
unzip -q "$D/$ZIP" -d "$D/dump"
${SKOPEO} copy -q --src-tls-verify=false "docker://$IMAGE" "dir:$D/image"
layer=$(jq -r '.layers[-1].digest' "$D/image/manifest.json")
tar -xzf "$D/image/\${layer#sha256:}" -C "$D/root" usr/local/bin/node
${LLDB} --batch -o "plugin load $PLUGIN" -o 'v8 bt' -o 'v8 findjsinstances -d TypeError' \\
  -c "$D/dump/$CORE" "$D/root/usr/local/bin/node"`;

const { values: options } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    "cold-runs": { type: "string", default: "3" },
    node: { type: "string", default: "20.20.2" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (options.help) {
  process.stdout.write("usage: node dist/bench/debug.js [--runs 5] [--cold-runs 3] [--node 20.20.2]\n");
  process.exit(0);
}
const runs = whole("runs", options.runs);
const coldRuns = whole("cold-runs", options["cold-runs"]);
const version = options.node;

const s3 = rigS3();
/** The caller's environment without S3_*, AWS_* (the CA bundle aside) or XDG_CACHE_HOME; colours off. */
const baseEnv = callerEnv(true);
/** Debian's lldb looks for its Python module where it is not, and prints a traceback without PYTHONPATH. */
const lldbEnv: NodeJS.ProcessEnv = lldbEnvironment(LLDB, baseEnv);

const startedAt = performance.now();
const loadAtStart = loads();
const work = await mkdtemp(path.join(tmpdir(), "coredump-bench-debug-"));
const dump = new TutorialZipBucket(s3);
try {
  log("llnode 4.0.0 as published (llnode/build.sh --published)");
  const plugin = await publishedLlnode();
  const { node, crash, image, spec, bucket, key: zipKey } = await dump.fill(version, "debug");
  const name = dumpName(spec);
  const id = spec.uuid;
  const imageRef = `${image.repo}@${image.digest}`;
  const frame = new RegExp(`myRequestListener\\(.*\\) at ${escapeRegExp(crash.scriptAsRun)}:7:27`);
  const coredumpEnv = (cacheHome: string): NodeJS.ProcessEnv => ({
    ...baseEnv,
    ...s3Env(s3, bucket),
    XDG_CACHE_HOME: cacheHome,
    LLNODE_PLUGIN: plugin,
  });

  // The warm working folder: the dump fetched once, the executable pulled into the cache, and one debug
  // run that makes the copy without DWARF beside it (objcopy, once per executable).
  const warmHome = path.join(work, "xdg-warm");
  const warmDir = path.join(work, "work-warm");
  log(`fetching ${id} once into ${warmDir}`);
  const fetched = JSON.parse(
    (
      await run(
        {
          program: process.execPath,
          args: [coredumpBin, "fetch", id, "--workdir", warmDir, "--json"],
          env: coredumpEnv(warmHome),
        },
        true,
      )
    ).stdout,
  ) as { core: string; executable: string | null; executableSource?: string };
  if (!fetched.executable || fetched.executableSource !== "image")
    throw new Error(`coredump fetch found no executable in the image: ${JSON.stringify(fetched)}`);
  if ((await sha256File(fetched.executable)) !== (await sha256File(node)))
    throw new Error(`${fetched.executable} is not the official node ${version}`);
  const debugCommand: Command = {
    program: process.execPath,
    args: [coredumpBin, "debug", id, "--workdir", warmDir, "--batch", "-o", "v8 bt"],
    env: coredumpEnv(warmHome),
  };
  await run(debugCommand);

  const lldbCommand = (executable: string): Command => ({
    program: LLDB,
    args: ["--batch", "-o", `plugin load ${plugin}`, "-o", "v8 bt", "-c", fetched.core, executable],
    env: lldbEnv,
  });
  const warm: Array<Expecting<WarmName>> = [
    { name: "coredump", runs, command: () => debugCommand, expect: frame },
    { name: "tutorial", runs, command: () => lldbCommand(fetched.executable ?? ""), expect: frame },
    { name: "nodebug", runs, command: () => lldbCommand(`${fetched.executable}.nodebug`), expect: frame },
  ];
  const warmTimes = await timeChecked(warm.map(checked), "warm", log, "output as expected");

  const fresh = (label: string, round: number) => path.join(work, `${label}-${round}`);
  const cold: Array<Expecting<ColdName>> = [
    {
      name: "report",
      runs: coldRuns,
      command: (round) => ({
        program: process.execPath,
        args: [coredumpBin, "report", id, "--workdir", path.join(fresh("report", round), "work")],
        env: coredumpEnv(path.join(fresh("report", round), "xdg")),
      }),
      after: (round) => rm(fresh("report", round), { recursive: true, force: true }),
      expect: /TypeError: res\.not_a_function is not a function[\s\S]*myRequestListener/,
    },
    {
      name: "manual",
      runs: coldRuns,
      command: (round) => ({
        program: "/bin/bash",
        args: ["-c", MANUAL_FLOW],
        env: {
          ...lldbEnv,
          ...awsCliEnv(s3),
          D: fresh("manual", round),
          ENDPOINT: s3.endpoint,
          OBJECT: `s3://${bucket}/${zipKey}`,
          ZIP: zipKey,
          CORE: `${name}.core`,
          IMAGE: imageRef,
          PLUGIN: plugin,
        },
      }),
      after: (round) => rm(fresh("manual", round), { recursive: true, force: true }),
      expect: new RegExp(`${frame.source}[\\s\\S]*<Object: TypeError properties`),
    },
  ];
  const coldTimes = await timeChecked(cold.map(checked), "cold", log, "output as expected");

  const { coredump: a, tutorial: b, nodebug: bPrime } = warmTimes;
  const { report: c, manual: d } = coldTimes;
  const report = [
    `coredump debug on a fetched Node ${version} dump (warm: core, executable and metadata on disk), ` +
      `wall time, median of ${runs}`,
    ...table(
      [
        ["(a) coredump debug <id> --batch -o 'v8 bt'", a],
        ["(b) lldb + llnode 'v8 bt', unstripped node", b],
        ["(b') the same on node.nodebug (what (a) runs)", bPrime],
      ],
      [
        ["(b)", b],
        ["(b')", bPrime],
      ],
    ),
    `  goal (a) ≥ 5× faster than (b): ${b.median / a.median >= 5 ? "met" : "NOT met"} ` +
      `((b)/(a) = ${(b.median / a.median).toFixed(1)}); coredump's own cost (a) − (b') = ${format(a.median - bPrime.median)}`,
    "",
    `coredump report, cold (fresh working folder and XDG_CACHE_HOME), against the tutorial's manual flow, ` +
      `wall time, median of ${coldRuns}`,
    ...table(
      [
        ["(c) coredump report <id>", c],
        ["(d) aws s3 cp, unzip, skopeo, tar, llnode", d],
      ],
      [["(d)", d]],
    ),
    `  (d)/(c) = ${(d.median / c.median).toFixed(1)}: coredump report is ${(d.median / c.median).toFixed(1)}× faster ` +
      "than the manual flow, which prints only llnode's output",
    "",
    `node ${process.version}; the core: official Node ${version}, ${path.basename(node)} ${node}; ` +
      `llnode ${plugin}; load average ${loadAtStart} at the start, ${loads()} at the end (2 cores here)`,
    `image ${imageRef}; bucket ${bucket}; total ${format((performance.now() - startedAt) / 1000)}`,
  ];
  process.stdout.write(`\n${report.join("\n")}\n`);
} finally {
  await dump.remove();
  await rm(work, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------------

type WarmName = "coredump" | "tutorial" | "nodebug";
type ColdName = "report" | "manual";

/** A contender whose first run, its output captured, must match `expect`; that run is its first sample. */
interface Expecting<Name extends string> extends Contender<Name> {
  expect: RegExp;
}

function checked<Name extends string>(contender: Expecting<Name>): Checked<Name> {
  return {
    ...contender,
    check: async (outcome) => {
      if (!contender.expect.test(outcome.stdout))
        throw new Error(
          `${contender.name}: its output does not match ${contender.expect}:\n${outcome.stdout}`,
        );
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
