/**
 * A real core of a method that printed its receiver and arguments before throwing, uncaught
 * (tests/fixtures/crash-args/ledger.js, under --abort-on-uncaught-exception): what the stack walker's
 * frame values are checked against. Made once per (node version, ledger.js content) and cached under
 * `<repo>/.cache/fixtures/args-<node version>-<sha256(ledger.js), 12 hex>/` (tests/support/script-core.ts).
 */
import { join } from "node:path";
import { runToCrash } from "./crash-core.js";
import type { CrashedNode } from "./crashed-process.js";
import { memoised } from "./memo.js";
import { officialNode } from "./node-builds.js";
import { scriptCore } from "./script-core.js";

/** What `post` printed it was given: its receiver's and the customer's constructors, the array's length. */
export interface Given {
  receiver: string;
  amount: number;
  count: number;
  memo: string;
  customer: string;
  items: number;
}

export interface ArgsCore extends CrashedNode {
  /** ledger.js as the crashed process saw it (the staging folder, since renamed). */
  scriptAsRun: string;
  given: Given;
}

const SCRIPT = "ledger.js";
const RUN_TIMEOUT_MS = 120_000;

const obtainOnce = memoised(obtain);

/** The cached core of ledger.js crashed by the official build `version` (`22.22.0`), made on first use. */
export function argsCore(version: string): Promise<ArgsCore> {
  return obtainOnce(version);
}

async function obtain(version: string): Promise<ArgsCore> {
  const { entry: _entry, ...made } = await scriptCore({
    prefix: "args",
    script: join("tests", "fixtures", "crash-args", SCRIPT),
    node: await officialNode(version),
    crash: (node, script, cwd) =>
      runToCrash({ node, args: ["--abort-on-uncaught-exception", script], cwd, timeoutMs: RUN_TIMEOUT_MS }),
    fields: (crash, cwd) => {
      const given = /^GIVEN (.*)$/m.exec(crash.stderr)?.[1];
      if (!given || !crash.stderr.includes("RangeError"))
        throw new Error(
          `argsCore: ledger.js died of signal ${crash.signal}, not of its RangeError:\n${crash.stderr}`,
        );
      return { stderr: crash.stderr, scriptAsRun: join(cwd, SCRIPT), given: JSON.parse(given) as Given };
    },
  });
  return made;
}
