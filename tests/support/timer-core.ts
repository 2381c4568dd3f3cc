/**
 * A real core of an uncaught TypeError thrown from a timer callback (tests/fixtures/crash-timer/timer.js):
 * its stack runs through `listOnTimeout` and `processTimers` of node:internal/timers, a builtin whose source
 * is a two-byte string, and the script itself holds characters outside Latin-1 before the throw. What V8
 * printed (`stderr`) is what llnode's call sites must equal.
 *
 *     const crash = await timerCore({ node, emulator });   // emulator: tests/support/arm64-core.ts's qemuAarch64()
 *
 * Cached as `<repo>/.cache/fixtures/timer[-<machine>]-<node version>-<sha256(timer.js), 12 hex>/`
 * (tests/support/script-core.ts).
 */
import { join } from "node:path";
import { type Emulator, runToCrash } from "./crash-core.js";
import { memoised } from "./memo.js";
import { scriptCore } from "./script-core.js";

export type TimerCore = {
  core: string;
  node: string;
  nodeVersion: string;
  pid: number;
  signal: number;
  /** timer.js as the crashed process saw it. */
  scriptAsRun: string;
  /** The uncaught TypeError and its FROM block, as V8 printed them. */
  stderr: string;
};

const SCRIPT = "timer.js";

const obtainOnce = memoised((key) => {
  const [node, emulator] = JSON.parse(key) as [string, Emulator | null];
  return obtain(node, emulator ?? undefined);
});

/** The cached core of timer.js crashed by `node` (under `emulator` for another machine's node). */
export function timerCore(options: { node: string; emulator?: Emulator }): Promise<TimerCore> {
  return obtainOnce(JSON.stringify([options.node, options.emulator ?? null]));
}

async function obtain(node: string, emulator: Emulator | undefined): Promise<TimerCore> {
  const { entry: _entry, ...made } = await scriptCore({
    prefix: "timer",
    script: join("tests", "fixtures", "crash-timer", SCRIPT),
    node,
    ...(emulator ? { emulator } : {}),
    crash: (binary, script, cwd) =>
      runToCrash({
        node: binary,
        args: ["--abort-on-uncaught-exception", script],
        cwd,
        timeoutMs: 120_000,
        ...(emulator ? { emulator } : {}),
      }),
    fields: (crash, cwd) => {
      if (!crash.stderr.includes("res.not_a_function is not a function"))
        throw new Error(
          `timerCore: timer.js died of signal ${crash.signal}, not of its TypeError:\n${crash.stderr}`,
        );
      return { scriptAsRun: join(cwd, SCRIPT), stderr: crash.stderr };
    },
  });
  return made;
}
