/**
 * A real core of an uncaught Error whose message is not Latin-1, thrown from a timer's arrow function
 * (tests/fixtures/crash-two-byte/two-byte.js) under --abort-on-uncaught-exception: what V8 printed
 * (`stderr`) is the truth a report and a group are checked against. Cached as
 * `<repo>/.cache/fixtures/two-byte-<node version>-<sha256(two-byte.js), 12 hex>/` (script-core.ts).
 */
import { join } from "node:path";
import { runToCrash } from "./crash-core.js";
import type { CrashedNode } from "./crashed-process.js";
import { memoised } from "./memo.js";
import { scriptCore } from "./script-core.js";

/** `stderr`: the uncaught Error and its FROM block, as V8 printed them. */
export type TwoByteCore = CrashedNode;

const SCRIPT = "two-byte.js";

const obtainOnce = memoised(obtain);

/** The cached core of two-byte.js crashed by the official build at `node`. */
export function twoByteCore(node: string): Promise<TwoByteCore> {
  return obtainOnce(node);
}

async function obtain(node: string): Promise<TwoByteCore> {
  const { entry: _entry, ...made } = await scriptCore({
    prefix: "two-byte",
    script: join("tests", "fixtures", "crash-two-byte", SCRIPT),
    node,
    crash: (binary, script, cwd) =>
      runToCrash({ node: binary, args: ["--abort-on-uncaught-exception", script], cwd, timeoutMs: 120_000 }),
    fields: (crash) => {
      if (!crash.stderr.includes("Uncaught Error"))
        throw new Error(
          `twoByteCore: two-byte.js died of signal ${crash.signal}, not of its Error:\n${crash.stderr}`,
        );
      return { stderr: crash.stderr };
    },
  });
  return made;
}
