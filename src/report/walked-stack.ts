import type { CoreFile } from "../elf/core-file.js";
import { ExpectedError } from "../errors.js";
import type { HeapErrorObject } from "../v8-error/thrown-error.js";
import { readJsStack } from "../v8-stack/read-js-stack.js";
import type { Report, ReportFrame } from "./report.js";

/**
 * What a frame the walker read was called with (docs/json.md): each value described briefly
 * (src/v8-stack/frame-values.ts); null where the frame does not hold them (a function inlined into
 * optimized code) or its argument count is unreadable.
 */
export interface FrameValuesFields {
  receiver?: string | null;
  /** The first arguments passed, at most MAX_ARGUMENTS. */
  arguments?: string[] | null;
  /** How many arguments the call passed, where more than `arguments` shows. */
  argumentCount?: number;
  /** A function inlined into the optimized code of the frame below it. */
  inlined?: boolean;
}

/** What the walker read of the crashed thread: its JS frames, and the Error being thrown where it was held. */
export interface WalkedStack {
  jsStack?: Array<Report["jsStack"][number] & FrameValuesFields>;
  thrown?: HeapErrorObject;
  /** Who held it (JsStackReading's `thrownHeldBy`). */
  thrownHeldBy?: "js frames" | "v8 handles";
  /** Where the last exit from JS is on the stack: the native frames called from JS are below it. */
  exitFrame?: number;
  /** Which printed stack the frames were checked against (`matchesV8Printed`): V8's block, or Node's own. */
  checkedAgainst?: "v8" | "node";
}

/**
 * The stacks the process printed, as the core's text holds them: V8's block (with its `Uncaught` line, when
 * found) and the JS stack of Node's own crash report.
 */
export interface PrintedStacks {
  v8: readonly ReportFrame[];
  /** Whether V8's block came with the `Uncaught Type: message` line V8 prints before it. */
  v8WithErrorLine: boolean;
  node: readonly ReportFrame[];
}

/**
 * The crashed thread's JS frames as coredump's own stack walker reads them from the core (src/v8-stack),
 * each checked against the frame V8 printed at its place where V8 printed a stack, and the Error being
 * thrown (src/v8-error). Empty where the walker cannot read this core (not V8's layout, no exit from JS on
 * the crashed thread).
 */
export async function walkedStack(
  core: CoreFile,
  executable: string,
  nodeVersion: string,
  stacks: PrintedStacks,
): Promise<WalkedStack> {
  let reading: Awaited<ReturnType<typeof readJsStack>>;
  try {
    reading = await readJsStack(core, executable, nodeVersion);
  } catch (error) {
    if (error instanceof ExpectedError) return {};
    throw error;
  }
  const { frames, thrown, thrownHeldBy, exitFrame } = reading;
  const walked: WalkedStack = {
    ...(thrown ? { thrown } : {}),
    ...(thrownHeldBy ? { thrownHeldBy } : {}),
    ...(exitFrame !== undefined ? { exitFrame } : {}),
  };
  if (frames.length === 0) return walked;
  const checkedAgainst = printedReference(stacks, frames[0] as ReportFrame);
  if (checkedAgainst) walked.checkedAgainst = checkedAgainst;
  const printed = checkedAgainst === "node" ? stacks.node : checkedAgainst === "v8" ? stacks.v8 : [];
  walked.jsStack = frames.map(
    ({ function: name, file, line, column, functionStart, position, inlined, values }, index) => ({
      function: name,
      ...(file !== undefined ? { file } : {}),
      ...(line !== undefined ? { line } : {}),
      ...(column !== undefined ? { column } : {}),
      ...(functionStart ? { functionStart } : {}),
      ...(position === "call site" ? { position } : {}),
      ...(printed.length > 0
        ? { matchesV8Printed: samePlace(printed[index], { function: name, file, line, column }) }
        : {}),
      source: "core" as const,
      ...(inlined ? { inlined } : {}),
      receiver: values?.receiver ?? null,
      arguments: values?.arguments ?? null,
      ...(values && values.argumentCount > values.arguments.length
        ? { argumentCount: values.argumentCount }
        : {}),
    }),
  );
  return walked;
}

/**
 * Which printed stack the walker's frames are checked against. V8's block where it came with its
 * `Uncaught` line or agrees with the walker's first frame; else Node's own where that agrees. A block of
 * frame-like text with neither is other bytes of the core (a fatal error or an abort prints no V8 block,
 * and a stale copy of some stack's last lines can remain): it is never taken for what the process printed.
 */
function printedReference(stacks: PrintedStacks, first: ReportFrame): "v8" | "node" | undefined {
  const v8Agrees = samePlace(stacks.v8[0], first);
  if (stacks.v8.length > 0 && (stacks.v8WithErrorLine || v8Agrees)) return "v8";
  if (stacks.node.length > 0 && samePlace(stacks.node[0], first)) return "node";
  if (stacks.v8.length > 0) return "v8";
  return stacks.node.length > 0 ? "node" : undefined;
}

/**
 * Whether the walker placed every frame it read that has a script (it does not yet place optimized
 * frames and the functions inlined into them, which llnode does).
 */
export function placedEveryFrame(stack: Report["jsStack"]): boolean {
  return (
    stack.length > 0 &&
    stack.every(
      (frame) => frame.source === "core" && (frame.file === undefined || frame.position === "call site"),
    )
  );
}

/**
 * Whether a frame is the one V8 printed at its place. V8 prints `Server.myRequestListener` where a reader
 * may name `myRequestListener`, adds the name a method was called by, and names functions after what they
 * were assigned to (`Object.<anonymous>`, `Module._compile`) where a reader has no name for them.
 */
export function samePlace(printed: ReportFrame | undefined, frame: ReportFrame): boolean {
  if (!printed) return false;
  const name = printed.function.replace(/ \[as [^\]]+\]$/, ""); // `Module.executeUserEntryPoint [as runMain]`
  const bare = frame.function.replace(/^.*\./, "");
  const named =
    name === frame.function ||
    name.endsWith(`.${bare}`) ||
    name === bare ||
    /(?:^|\.)<?anonymous>?$/.test(frame.function) ||
    frame.function === "(anonymous)";
  return (
    named && printed.file === frame.file && printed.line === frame.line && printed.column === frame.column
  );
}
