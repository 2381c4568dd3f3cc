import { type V8Reading, walkFrames } from "./walk-frames.js";

/**
 * The frame pointer of the last exit from JS into C++ on the crashed thread: the lowest frame above the
 * stack pointer whose marker slot says exit frame, whose saved frame pointer lies above it in the same
 * stack, and from which at least one JS frame is walked. V8 keeps the same pointer in its isolate's
 * thread-local top (c_entry_fp); found on the stack itself, it needs no layout of the isolate and no
 * unwinding of the C++ frames below it (an addon without unwind tables, V8's abort path).
 */
export function findExitFrame(
  reading: V8Reading,
  stackPointer: number,
): { frame: number; stackEnd: number } | undefined {
  const { memory, layout } = reading;
  const segment = memory.segmentOf(stackPointer);
  if (!segment) return undefined;
  const stackEnd = segment.end;
  for (let at = stackPointer - (stackPointer % 8); at + 16 <= stackEnd; at += 8) {
    const marker = memory.word(at + layout.contextOrType);
    if (marker === undefined || !layout.isExit(layout.markedType(marker))) continue;
    const caller = memory.word(at);
    if (caller === undefined || caller <= at || caller >= stackEnd) continue;
    if (walkFrames(reading, at, stackEnd).length > 0) return { frame: at, stackEnd };
  }
  return undefined;
}
