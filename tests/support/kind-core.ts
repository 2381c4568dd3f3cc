/**
 * Real cores of each way a Node process dies (tests/fixtures/crash-kinds), on an official Node build:
 * heap exhaustion, an unhandled rejection, a failed CHECK, `process.abort()` and a native fault in an
 * N-API addon built here with gcc. Each is made once per (kind, node version, fixture content) and cached
 * (script-core.ts).
 */
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { AARCH64, arm64Node, qemuAarch64 } from "./arm64-core.js";
import { runToCrash, shortHash } from "./crash-core.js";
import type { CrashedNode } from "./crashed-process.js";
import { memoised } from "./memo.js";
import { officialNode } from "./node-builds.js";
import { nodeHeaders } from "./node-headers.js";
import { repoRoot } from "./repo-root.js";
import { scriptCore } from "./script-core.js";

export type CrashKind = "out-of-memory" | "unhandled-rejection" | "fatal-error" | "abort" | "native-fault";

/** `node` is the official build that ran: the image of the dump must carry it; `stderr` the truth the report is checked against. */
export interface KindCore extends CrashedNode {
  kind: CrashKind;
  /** The script's path as the process saw it (the staging folder, since renamed). */
  scriptAsRun: string;
  /** Native fault: the addon as cached here, and its path as the process mapped it. */
  addon?: { file: string; asRun: string };
}

const FLAGS: Record<CrashKind, string[]> = {
  "out-of-memory": ["--max-old-space-size=64"],
  "unhandled-rejection": ["--abort-on-uncaught-exception"],
  "fatal-error": [],
  abort: [],
  "native-fault": [],
};
const FIXTURES = join("tests", "fixtures", "crash-kinds");
const ADDON = "invoice.node";
const RUN_TIMEOUT_MS = 120_000;

const obtainOnce = memoised((key) => {
  const [kind, version, machine] = key.split("@") as [CrashKind, string, string];
  return obtain(kind, version, machine === AARCH64);
});

/**
 * The cached core of `kind` on the official build `version` (`22.22.0`), made on first use; with
 * `{ arm64: true }`, on the official arm64 build under qemu-user (tests/support/arm64-core.ts), for every
 * kind but the native fault, whose addon would need a cross compiler.
 */
export function kindCore(
  kind: CrashKind,
  version: string,
  options: { arm64?: boolean } = {},
): Promise<KindCore> {
  if (options.arm64 && kind === "native-fault")
    throw new Error("kindCore: no arm64 native fault (its addon is built for x86-64)");
  return obtainOnce(`${kind}@${version}@${options.arm64 ? AARCH64 : "x86_64"}`);
}

async function obtain(kind: CrashKind, version: string, arm64: boolean): Promise<KindCore> {
  const native = kind === "native-fault";
  const emulator = arm64 ? await qemuAarch64() : undefined;
  // The addon's source is part of what the core depends on: its hash names the entry too.
  const addonSource = native ? await readFile(join(repoRoot(), FIXTURES, "invoice.c")) : undefined;
  const { entry, addonAsRun, ...made } = await scriptCore({
    prefix: `kinds-${kind}`,
    script: join(FIXTURES, `${kind}.js`),
    node: arm64 ? await arm64Node(version) : await officialNode(version),
    ...(emulator ? { emulator } : {}),
    ...(addonSource ? { variant: shortHash(addonSource), alsoNeeded: [ADDON] } : {}),
    crash: async (node, script, cwd) => {
      if (addonSource) await buildAddon(cwd, version, addonSource);
      return runToCrash({
        node,
        args: [...FLAGS[kind], script],
        cwd,
        timeoutMs: RUN_TIMEOUT_MS * (emulator ? 4 : 1),
        ...(emulator ? { emulator } : {}),
      });
    },
    fields: (crash, cwd) => ({
      kind,
      stderr: crash.stderr,
      scriptAsRun: join(cwd, `${kind}.js`),
      ...(native ? { addonAsRun: join(cwd, ADDON) } : {}),
    }),
  });
  return {
    ...made,
    ...(addonAsRun ? { addon: { file: join(entry, ADDON), asRun: addonAsRun } } : {}),
  };
}

async function buildAddon(stage: string, version: string, source: Buffer): Promise<void> {
  await writeFile(join(stage, "invoice.c"), source);
  const include = await nodeHeaders(version);
  await promisify(execFile)(
    "gcc",
    ["-shared", "-fPIC", "-O0", "-g", `-I${include}`, "invoice.c", "-o", ADDON],
    {
      cwd: stage,
    },
  );
}
