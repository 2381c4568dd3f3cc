/**
 * A real core of a TypeScript file that Node runs as it is (tests/fixtures/ts-strip/app.ts: type stripping,
 * Node 22.18 and later), dying of an uncaught TypeError under --abort-on-uncaught-exception. Made once per
 * (node version, app.ts content) and cached (tests/support/script-core.ts).
 */
import { join } from "node:path";
import { runToCrash } from "./crash-core.js";
import type { CrashedNode } from "./crashed-process.js";
import { memoised } from "./memo.js";
import { scriptCore } from "./script-core.js";

const obtainOnce = memoised(obtain);

/** The cached core of app.ts run by this node binary. */
export function strippedTypesCore(node: string): Promise<CrashedNode> {
  return obtainOnce(node);
}

async function obtain(node: string): Promise<CrashedNode> {
  const made = await scriptCore({
    prefix: "ts-strip",
    script: join("tests", "fixtures", "ts-strip", "app.ts"),
    node,
    crash: (binary, script, cwd) =>
      runToCrash({ node: binary, args: ["--abort-on-uncaught-exception", script], cwd, timeoutMs: 120_000 }),
    fields: (crash) => {
      // V8 ends an uncaught exception under --abort-on-uncaught-exception with a trap (5) or an abort (6).
      if (![5, 6].includes(crash.signal) || !/TypeError/.test(crash.stderr))
        throw new Error(`strippedTypesCore: app.ts died of signal ${crash.signal} first:\n${crash.stderr}`);
      return { stderr: crash.stderr };
    },
  });
  return {
    core: made.core,
    node: made.node,
    nodeVersion: made.nodeVersion,
    pid: made.pid,
    signal: made.signal,
    stderr: made.stderr,
  };
}
