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
 * one rename (tests/support/script-core.ts).
 */
import { join } from "node:path";
import { runToCrash, versionOf } from "./crash-core.js";
import { memoised } from "./memo.js";
import { scriptCore } from "./script-core.js";

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

const SCRIPT = "hot.js";
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

async function obtain(way: OptimizedWay, node: string): Promise<OptimizedCore> {
  let nodeVersion = "";
  const { entry: _entry, ...made } = await scriptCore({
    prefix: "optimized",
    variant: way,
    script: join("tests", "fixtures", "crash-optimized", SCRIPT),
    node,
    crash: async (binary, script, cwd) => {
      nodeVersion = await versionOf(binary);
      return runToCrash({
        node: binary,
        args: ["--abort-on-uncaught-exception", ...flags(way, nodeVersion), ...TRACE, script],
        cwd,
        timeoutMs: RUN_TIMEOUT_MS,
      });
    },
    fields: (crash, cwd) => {
      if (!crash.stderr.includes("Cannot read properties of null (reading 'price')"))
        throw new Error(
          `optimizedCore: hot.js died of signal ${crash.signal}, not of its TypeError:\n${crash.stderr}`,
        );
      return { scriptAsRun: join(cwd, SCRIPT), stderr: crash.stderr, tiers: crash.stdout };
    },
  });
  return made;
}
