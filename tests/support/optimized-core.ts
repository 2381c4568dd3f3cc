/**
 * A real core of a hot path that V8 optimized (tests/fixtures/crash-optimized/hot.js): priceOf inlined into
 * checkout by TurboFan or Maglev, then handed a null under --abort-on-uncaught-exception. Two ways to run it:
 * - `turbofan`: with --always-sparkplug, so that every frame below the optimized one is baseline (Sparkplug)
 *   code, and --no-maglev where Maglev exists (Node 20 and later), so that TurboFan compiles the hot path:
 *   otherwise Maglev or TurboFan, whichever finished first, would hold the crash.
 * - `maglev` (Node 22 and later): with --no-turbofan, so that Maglev is the top tier.
 * Each run also traces V8's tiering (--trace-opt, --trace-baseline on stdout): `tiers` holds what V8 said
 * it compiled, the evidence of which compiler made each frame.
 *
 * Generated once per (node version, way, hot.js content) and cached under
 * `<repo>/.cache/fixtures/optimized-<way>-<node version>-<sha256(hot.js), 12 hex>/`, staged and published by
 * one rename like tests/support/real-core.ts.
 */
import { spawn } from "node:child_process";
import { mkdir, readFile, realpath, rm, stat, writeFile } from "node:fs/promises";
import { constants } from "node:os";
import { join } from "node:path";
import { memoised } from "./memo.js";
import { clearBrokenEntry, collectCore, publish, sha256, stageScript, versionOf } from "./real-core.js";
import { repoRoot } from "./repo-root.js";

export type OptimizedWay = "turbofan" | "maglev";

export type OptimizedCore = {
  core: string;
  node: string;
  nodeVersion: string;
  pid: number;
  signal: number;
  /** hot.js as the crashed process saw it (the staging folder, since renamed). */
  scriptAsRun: string;
  /** What V8 printed before aborting: the uncaught TypeError and its FROM block. */
  stderr: string;
  /** V8's tiering trace: `[completed compiling … checkout … (target TURBOFAN)]` and the like. */
  tiers: string;
};

type Meta = Omit<OptimizedCore, "core"> & { coreSize: number; createdAt: string };

const SCRIPT = "hot.js";
const META = "meta.json";
const RUN_TIMEOUT_MS = 120_000;
function flags(way: OptimizedWay, nodeVersion: string): string[] {
  if (way === "maglev") return ["--no-turbofan"];
  return ["--always-sparkplug", ...(Number(/^v(\d+)/.exec(nodeVersion)?.[1]) >= 20 ? ["--no-maglev"] : [])];
}
const TRACE = ["--trace-opt", "--trace-baseline"];

const obtainOnce = memoised((key) => {
  const [way, node] = JSON.parse(key) as [OptimizedWay, string];
  return obtain(way, node);
});

/** The cached core of hot.js crashed by this node binary the given way, made on first use. */
export function optimizedCore(node: string, way: OptimizedWay): Promise<OptimizedCore> {
  return obtainOnce(JSON.stringify([way, node]));
}

async function obtain(way: OptimizedWay, requestedNode: string): Promise<OptimizedCore> {
  const node = await realpath(requestedNode);
  const script = await readFile(join(repoRoot(), "tests", "fixtures", "crash-optimized", SCRIPT));
  const nodeVersion = await versionOf(node);
  const fixtures = join(repoRoot(), ".cache", "fixtures");
  const entry = join(fixtures, `optimized-${way}-${nodeVersion}-${sha256(script).slice(0, 12)}`);
  const cached = await readEntry(entry);
  if (cached) return cached;
  await mkdir(fixtures, { recursive: true });
  const isValid = async (at: string) => (await readEntry(at)) !== undefined;
  if ((await clearBrokenEntry(entry, fixtures, isValid)) === "clear") {
    await generate(way, node, nodeVersion, script, fixtures, entry);
  }
  const fresh = await readEntry(entry);
  if (!fresh) throw new Error(`optimizedCore: cache entry ${entry} is incomplete right after it was written`);
  return fresh;
}

async function generate(
  way: OptimizedWay,
  node: string,
  nodeVersion: string,
  script: Buffer,
  fixtures: string,
  entry: string,
) {
  const { stage, corePattern } = await stageScript(fixtures, SCRIPT, script);
  try {
    const { pid, signal, stdout, stderr } = await runHotPath(
      node,
      [...flags(way, nodeVersion), ...TRACE],
      stage,
    );
    const core = await collectCore(stage, pid, corePattern);
    // What V8 printed holds the folder's real path (.cache may be a link).
    const scriptAsRun = join(await realpath(stage), SCRIPT);
    const coreSize = (await stat(core)).size;
    const meta: Meta = {
      node,
      nodeVersion,
      pid,
      signal,
      scriptAsRun,
      stderr,
      tiers: stdout,
      coreSize,
      createdAt: new Date().toISOString(),
    };
    await writeFile(join(stage, META), `${JSON.stringify(meta, null, 2)}\n`);
    await publish(stage, entry);
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

function runHotPath(
  node: string,
  flags: string[],
  cwd: string,
): Promise<{ pid: number; signal: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      "bash",
      [
        "-c",
        'ulimit -c unlimited; exec "$@"',
        "bash",
        node,
        "--abort-on-uncaught-exception",
        ...flags,
        SCRIPT,
      ],
      { cwd, env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
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
      if (signal !== undefined && !stderr.includes("Cannot read properties of null (reading 'price')")) {
        reject(new Error(`optimizedCore: hot.js died of signal ${signal}, not of its TypeError:\n${stderr}`));
        return;
      }
      if (child.pid === undefined || signal === undefined) {
        reject(
          new Error(
            `optimizedCore: expected hot.js to die of a signal, it ended with ${signalName ?? `exit code ${code}`}\n${stderr}`,
          ),
        );
        return;
      }
      resolve({ pid: child.pid, signal, stdout, stderr });
    });
  });
}

async function readEntry(entry: string): Promise<OptimizedCore | undefined> {
  try {
    const meta = JSON.parse(await readFile(join(entry, META), "utf8")) as Meta;
    if ((await stat(join(entry, "core"))).size !== meta.coreSize) return undefined;
    const { coreSize: _size, createdAt: _created, ...rest } = meta;
    return { ...rest, core: join(entry, "core") };
  } catch {
    return undefined;
  }
}
