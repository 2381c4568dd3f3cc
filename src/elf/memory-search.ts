import { coreSegments } from "./core-segments.js";
import { readElfHeaders } from "./elf-header.js";
import { withFile } from "./random-access.js";

const CHUNK = 4 << 20;

/**
 * Whether a core's dumped memory holds `needle` (a magic number, a marker string): read chunk by chunk in
 * file order, each cut at the file's end, so that a segment that claims more than the file costs nothing.
 */
export async function coreMemoryIncludes(core: string, needle: Buffer): Promise<boolean> {
  return withFile(core, async (file) => {
    const { programs } = await readElfHeaders(file);
    const dumped = coreSegments(programs, file.size).dumped;
    const ranges = dumped
      .map((load) => ({ start: load.offset, end: Math.min(file.size, load.offset + load.filesz) }))
      .sort((a, b) => a.start - b.start);
    for (const range of ranges)
      for (let at = range.start; at < range.end; at += CHUNK) {
        const chunk = await file.readAt(at, Math.min(CHUNK + needle.length - 1, range.end - at));
        if (chunk.includes(needle)) return true;
      }
    return false;
  });
}
