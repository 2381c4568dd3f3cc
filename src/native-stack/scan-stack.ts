import { coreSegments, dumpedSegmentAt } from "../elf/core-segments.js";
import type { CoreSummary } from "../elf/core-summary.js";
import { readElfHeaders } from "../elf/elf-header.js";
import { withFile } from "../elf/random-access.js";
import { functionsAt, loadedBytesBefore, loadedSpan } from "../elf/symbols.js";
import { CALL_BYTES, followsCall } from "./call-sites.js";
import { demangle } from "./demangle.js";

/** How far above the stack pointer a scan looks at most: the native frames of an abort are a few kilobytes. */
const SCAN_BYTES = 64 * 1024;
/** Frames kept at most, innermost first. */
const MAX_FRAMES = 32;

/**
 * The executable's functions that the crashed thread's stack holds return addresses into, innermost first,
 * read with no debugger: each 8-byte word from the stack pointer up to `end` (the last exit from JS, where
 * the native frames called from JS end) that points into the executable just past a call instruction
 * (read from the executable itself), named from its symbol table. Libraries' frames are not named, and a
 * scan can see a return address a frame left behind in its locals: these are signs for telling kinds apart
 * and a view for the reader, not an unwound stack.
 */
export async function scanNativeFrames(
  core: string,
  summary: CoreSummary,
  executable: string,
  end?: number,
): Promise<string[]> {
  const module = summary.executable;
  const sp = scanStart(summary.fault?.sp, end);
  if (sp === undefined || !module || !summary.littleEndian || !summary.is64) return [];
  const words = await stackWords(core, sp, Math.min(end ?? Number.POSITIVE_INFINITY, sp + SCAN_BYTES));
  // A core without NT_FILE (qemu-user's) gives the executable's first mapping alone: its text follows.
  const moduleEnd = Math.max(module.end, module.start + (await loadedSpan(executable)));
  const inside = words
    .filter((word) => word >= module.start && word < moduleEnd)
    .map((word) => word - module.start);
  if (inside.length === 0) return [];
  const before = await loadedBytesBefore(executable, inside, CALL_BYTES);
  const returns = inside.filter((offset) => {
    const bytes = before.get(offset);
    return bytes !== undefined && followsCall(summary.machine.name, bytes);
  });
  // A return address is in the function that made the call: the byte before it is.
  const names = await functionsAt(
    executable,
    returns.map((offset) => offset - 1),
  );
  const frames: string[] = [];
  for (const offset of returns) {
    const name = names.get(offset - 1);
    if (name === undefined) continue;
    const shown = demangle(name) ?? name;
    if (frames[frames.length - 1] !== shown) frames.push(shown);
    if (frames.length === MAX_FRAMES) break;
  }
  return frames;
}

/**
 * Where the scan starts: the stack pointer, unless it lies above the last exit from JS, which a stack
 * growing down cannot have left; qemu-user records such a stack pointer (the thread's first, not its
 * last). The native frames called from JS are then looked for in the SCAN_BYTES below the exit.
 */
function scanStart(sp: number | undefined, exit: number | undefined): number | undefined {
  if (exit === undefined || (sp !== undefined && sp < exit)) return sp;
  return exit - SCAN_BYTES;
}

/** The 64-bit words of the core's memory from `start` to `end` (within the dumped segment that holds `start`). */
async function stackWords(core: string, start: number, end: number): Promise<number[]> {
  return withFile(core, async (file) => {
    const { programs } = await readElfHeaders(file);
    const segment = dumpedSegmentAt(coreSegments(programs, file.size).dumped, start);
    if (!segment) return [];
    const stop = Math.min(end, segment.vaddr + segment.filesz);
    const bytes = await file.readAt(segment.offset + (start - segment.vaddr), Math.max(0, stop - start));
    const words: number[] = [];
    for (let at = 0; at + 8 <= bytes.length; at += 8) words.push(Number(bytes.readBigUInt64LE(at)));
    return words;
  });
}
