/**
 * A real core of a Node process whose heap holds objects only weakly (tests/fixtures/weak-heap/weak.js):
 * `count` WeakValue objects as the values of a WeakMap whose Anchor keys an array holds, and `count`
 * WeakTarget objects that only WeakRefs hold. Made once per (node version, weak.js content) and cached under
 * `<repo>/.cache/fixtures/weak-<node version>-<sha256(weak.js), 12 hex>/` (tests/support/script-core.ts).
 */
import { join } from "node:path";
import { runToCrash } from "./crash-core.js";
import { memoised } from "./memo.js";
import { scriptCore } from "./script-core.js";

export interface WeakCore {
  core: string;
  node: string;
  nodeVersion: string;
  /** How many WeakMap entries and WeakRefs the script made, as it printed. */
  count: number;
}

const obtainOnce = memoised(obtain);

/** The cached weak-heap core of this node binary, made on first use. */
export function weakCore(node: string): Promise<WeakCore> {
  return obtainOnce(node);
}

async function obtain(node: string): Promise<WeakCore> {
  const made = await scriptCore({
    prefix: "weak",
    script: join("tests", "fixtures", "weak-heap", "weak.js"),
    node,
    crash: (binary, script, cwd) =>
      // A young generation larger than all weak.js allocates, whatever V8's sizing of it under load: no
      // young collection can run while V8's set of the first turn's WeakRef targets is alive.
      runToCrash({
        node: binary,
        args: ["--expose-gc", "--min-semi-space-size=16", script],
        cwd,
        timeoutMs: 120_000,
      }),
    fields: (crash) => {
      const printed = /^(\{.*\})$/m.exec(crash.stdout)?.[1];
      if (crash.signal !== 6 || !printed)
        throw new Error(`weakCore: weak.js died of signal ${crash.signal} first:\n${crash.stderr}`);
      return { count: (JSON.parse(printed) as { count: number }).count };
    },
  });
  return { core: made.core, node: made.node, nodeVersion: made.nodeVersion, count: made.count };
}
