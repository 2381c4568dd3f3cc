/**
 * Real cores of each way a Node process dies (tests/fixtures/crash-kinds), on an official Node build:
 * heap exhaustion, an unhandled rejection, a failed CHECK, `process.abort()` and a native fault in an
 * N-API addon built here with gcc. Each is made once per (kind, node version, fixture content) and cached
 * (core-cache.ts).
 */
import { execFile, spawn } from "node:child_process";
import { readFile, realpath, writeFile } from "node:fs/promises";
import { constants } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CORE, cachedEntry, collectCore, ensureCoreFiles, sha256, versionOf } from "./core-cache.js";
import { memoised } from "./memo.js";
import { officialNode } from "./node-builds.js";
import { nodeHeaders } from "./node-headers.js";
import { repoRoot } from "./repo-root.js";

export type CrashKind = "out-of-memory" | "unhandled-rejection" | "fatal-error" | "abort" | "native-fault";

export interface KindCore {
  kind: CrashKind;
  core: string;
  /** The official build that ran: the image of the dump must carry it. */
  node: string;
  nodeVersion: string;
  pid: number;
  signal: number;
  /** What the process printed on stderr: the truth the report is checked against. */
  stderr: string;
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
const ADDON = "invoice.node";
const RUN_TIMEOUT_MS = 120_000;

type Meta = Omit<KindCore, "core" | "addon"> & { addonAsRun?: string };

const obtainOnce = memoised((key) => {
  const [kind, version] = key.split("@") as [CrashKind, string];
  return obtain(kind, version);
});

/** The cached core of `kind` on the official build `version` (`22.22.0`), made on first use. */
export function kindCore(kind: CrashKind, version: string): Promise<KindCore> {
  return obtainOnce(`${kind}@${version}`);
}

async function obtain(kind: CrashKind, version: string): Promise<KindCore> {
  const node = await officialNode(version);
  const nodeVersion = await versionOf(node);
  const folder = join(repoRoot(), "tests", "fixtures", "crash-kinds");
  const script = await readFile(join(folder, `${kind}.js`));
  const addonSource = kind === "native-fault" ? await readFile(join(folder, "invoice.c")) : Buffer.alloc(0);
  const hash = sha256(Buffer.concat([script, addonSource])).slice(0, 12);
  const { dir, meta } = await cachedEntry<Meta>(`kinds-${kind}-${nodeVersion}-${hash}`, async (stage) => {
    await ensureCoreFiles();
    // The paths the process saw, and the kernel wrote: without the symlinks on the way to the stage.
    const asRun = await realpath(stage);
    await writeFile(join(stage, `${kind}.js`), script);
    await writeFile(join(stage, "package.json"), '{ "type": "commonjs" }\n');
    if (kind === "native-fault") await buildAddon(stage, version, addonSource);
    const died = await crashNode(node, [...FLAGS[kind], `${kind}.js`], stage);
    await collectCore(stage, died.pid);
    return {
      kind,
      node,
      nodeVersion,
      pid: died.pid,
      signal: died.signal,
      stderr: died.stderr,
      scriptAsRun: join(asRun, `${kind}.js`),
      ...(kind === "native-fault" ? { addonAsRun: join(asRun, ADDON) } : {}),
    };
  });
  const { coreSize: _size, createdAt: _created, generationMs: _ms, addonAsRun, ...rest } = meta;
  return {
    ...rest,
    core: join(dir, CORE),
    ...(addonAsRun ? { addon: { file: join(dir, ADDON), asRun: addonAsRun } } : {}),
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

/** Runs node under `ulimit -c unlimited` until it dies of a signal. */
function crashNode(
  node: string,
  args: string[],
  cwd: string,
): Promise<{ pid: number; signal: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", 'ulimit -c unlimited; exec "$@"', "bash", node, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signalName) => {
      clearTimeout(timer);
      const signal = signalName ? constants.signals[signalName] : undefined;
      if (child.pid === undefined || signal === undefined || signalName === "SIGKILL") {
        reject(
          new Error(`kindCore: ${args.join(" ")} ended with ${signalName ?? `exit code ${code}`}\n${stderr}`),
        );
        return;
      }
      resolve({ pid: child.pid, signal, stderr });
    });
  });
}
