import type { V8Reading } from "./v8-reading.js";
import { walkFrames } from "./walk-frames.js";

/** Bytes of the isolate searched for its thread-local top: IsolateData and ThreadLocalTop lie within them. */
const ISOLATE_BYTES = 64 * 1024;

/** The last exit from JS, and how it was found. */
export interface ExitFrame {
  frame: number;
  stackEnd: number;
  /** `thread-local top`: the isolate's own record of it (c_entry_fp); `stack`: found on the stack. */
  foundBy: "thread-local top" | "stack";
}

/**
 * The frame pointer of the last exit from JS into C++ on the crashed thread, as V8's StackFrameIterator
 * starts for a stopped isolate: from the isolate's thread-local top (`c_entry_fp`), where the isolate is
 * found (`isolate`, through the thread's `g_current_isolate_`): the word of the isolate that points into
 * this stack at an exit frame. Else the lowest frame above the stack pointer whose marker slot says exit
 * frame. Either must have its saved frame pointer above it in the same stack, and a JS frame behind it.
 * Neither needs any unwinding of the C++ frames below (an addon without unwind tables, V8's abort path).
 */
export function findExitFrame(
  reading: V8Reading,
  stackPointer: number,
  isolate: number | undefined,
): ExitFrame | undefined {
  const segment = reading.memory.segmentOf(stackPointer);
  if (!segment) return undefined;
  const stackEnd = segment.end;
  const isExit = (at: number) => isExitFrame(reading, at, stackPointer, stackEnd);
  if (isolate !== undefined) {
    for (let at = isolate - (isolate % 8); at < isolate + ISOLATE_BYTES; at += 8) {
      const word = reading.memory.word(at);
      if (word === undefined) break;
      if (word % 8 === 0 && word >= stackPointer && word < stackEnd && isExit(word))
        return { frame: word, stackEnd, foundBy: "thread-local top" };
    }
  }
  for (let at = stackPointer - (stackPointer % 8); at + 16 <= stackEnd; at += 8)
    if (isExit(at)) return { frame: at, stackEnd, foundBy: "stack" };
  return undefined;
}

function isExitFrame(reading: V8Reading, at: number, stackPointer: number, stackEnd: number): boolean {
  const { memory, layout } = reading;
  if (at < stackPointer) return false;
  const marker = memory.word(at + layout.contextOrType);
  if (marker === undefined || !layout.isExit(layout.markedType(marker))) return false;
  const caller = memory.word(at);
  if (caller === undefined || caller <= at || caller >= stackEnd) return false;
  return walkFrames(reading, at, stackEnd).length > 0;
}
