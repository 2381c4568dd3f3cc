import type { DebugTarget } from "../debuggers/session.js";
import type { ConstructorNamer } from "../heap/index.js";
import type { HeapErrorObject } from "../v8-error/thrown-error.js";
import { findPrintedError } from "./crash-text.js";
import { fatalMessage } from "./details/fatal-error.js";
import { type FaultRequest, faultSection } from "./details/native-fault.js";
import { heapSection } from "./details/out-of-memory.js";
import type { Evidence } from "./evidence.js";
import type { HeapSource } from "./heap-source.js";
import type { JsFrame } from "./js-frame.js";
import { type HeapError, readHeapError } from "./rejection-error.js";
import type { Report } from "./report.js";

/** What matters for this kind of death, beyond what every report has. */
export async function addKindDetails(
  report: Report,
  evidence: Evidence,
  {
    target,
    thrown,
    heapSource,
    constructorNames,
    core,
    fault,
  }: {
    target: DebugTarget | undefined;
    /** The Error being thrown, as the stack walker found it on the heap. */
    thrown?: HeapErrorObject | undefined;
    heapSource: HeapSource;
    /** Names minified constructors in the heap's figures as the service's source maps do. */
    constructorNames?: ConstructorNamer | undefined;
    core: string;
    fault: FaultRequest;
  },
): Promise<void> {
  // Only llnode reads the heap: a plain debugger's target is asked for native frames alone.
  const readable = target?.plugin !== undefined && report.debugger?.readable === true;
  if (report.kind === "out-of-memory") {
    // The heap is read from the core itself: llnode need not have read it.
    const figures = fault.executable
      ? await heapSource({ target, core, executable: fault.executable, constructorNames })
      : undefined;
    report.heap = heapSection(evidence, figures);
  } else if (report.kind === "fatal-error") {
    const fatal = fatalMessage(evidence);
    if (fatal) report.fatal = fatal;
  } else if (report.kind === "native-fault") {
    const section = await faultSection(fault);
    if (section) report.fault = section;
  } else if (report.kind === "unhandled-rejection") {
    await addRejection(report, evidence, readable ? target : undefined, thrown);
  }
}

/**
 * The rejection's reason is the error; where Node aborted (its promise-rejection machinery) is not the
 * user's stack, and goes apart.
 */
async function addRejection(
  report: Report,
  evidence: Evidence,
  target: DebugTarget | undefined,
  thrown: HeapErrorObject | undefined,
): Promise<void> {
  report.abortedAt = report.jsStack.length > 0 ? report.jsStack.map(stripped) : evidence.core.nodeStack;
  report.jsStack = [];
  report.error = null;
  const printed = evidence.log?.error;
  const onHeap = thrown ? fromHeap(thrown) : undefined;
  const found = onHeap ?? (target ? await readHeapError(target, printed?.type ?? "Error") : undefined);
  if (found) {
    const source = onHeap ? ("core" as const) : ("llnode" as const);
    report.error = { type: found.type, message: found.message, source };
    report.jsStack = found.frames.map((frame) => ({ ...frame, position: "call site" as const, source }));
  }
  if (printed && !found) report.error = { type: printed.type, message: printed.message, source: "log" };
  if (printed && report.jsStack.length === 0)
    report.jsStack = printed.frames.map((frame) => ({ ...frame, source: "log" as const }));
}

/** The reason's stack as V8 formatted it for Node's print of it, read back from the Error on the heap. */
function fromHeap(thrown: HeapErrorObject): HeapError {
  const frames = thrown.formattedStack ? (findPrintedError(`${thrown.formattedStack}\n`)?.frames ?? []) : [];
  return { type: thrown.type, message: thrown.message, frames };
}

function stripped(frame: Report["jsStack"][number]): JsFrame {
  return {
    function: frame.function,
    file: frame.file ?? "",
    line: frame.line ?? 0,
    column: frame.column ?? 0,
  };
}
