import { ET_CORE, PT_LOAD, readElfHeaders } from "../elf/elf-header.js";
import type { FileMapping } from "../elf/nt-file.js";
import { withFile } from "../elf/random-access.js";
import { UnsupportedHeapError } from "./v8-constants.js";

/** One dumped memory segment of the core, as 32-bit words (little-endian x64: a word is lo + hi · 2³²). */
export interface Segment {
  start: number;
  end: number;
  words: Uint32Array;
}

const TWO_32 = 2 ** 32;

/**
 * The anonymous memory of a crashed process, read from its core's PT_LOAD segments with one big read
 * each. File-backed mappings (the executable, libraries) are left out: no V8 object lives there.
 */
export class CoreMemory {
  private constructor(readonly segments: readonly Segment[]) {}

  static async load(corePath: string, fileMappings: readonly FileMapping[]): Promise<CoreMemory> {
    return withFile(corePath, async (file) => {
      const { header, programs } = await readElfHeaders(file);
      if (header.type !== ET_CORE || !header.is64 || !header.littleEndian) {
        throw new UnsupportedHeapError(
          `${corePath} is not a 64-bit little-endian core: coredump heap reads x64 cores`,
        );
      }
      const segments: Segment[] = [];
      for (const load of programs) {
        if (load.type !== PT_LOAD || load.filesz < 8) continue;
        const end = load.vaddr + load.filesz;
        if (fileMappings.some((mapping) => mapping.start < end && load.vaddr < mapping.end)) continue;
        const bytes = await file.readAt(load.offset, load.filesz - (load.filesz % 8));
        const copy = new Uint32Array(bytes.length / 4);
        new Uint8Array(copy.buffer).set(bytes);
        segments.push({ start: load.vaddr, end: load.vaddr + bytes.length, words: copy });
      }
      segments.sort((a, b) => a.start - b.start);
      return new CoreMemory(segments);
    });
  }

  /** The segment holding `address`, by binary search. */
  segmentOf(address: number): Segment | undefined {
    let low = 0;
    let high = this.segments.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const segment = this.segments[middle] as Segment;
      if (address < segment.start) high = middle - 1;
      else if (address >= segment.end) low = middle + 1;
      else return segment;
    }
    return undefined;
  }

  /** The 64-bit word at `address` (8-aligned), or undefined where the core holds no such memory. */
  word(address: number): number | undefined {
    const segment = this.segmentOf(address);
    if (!segment) return undefined;
    const at = (address - segment.start) / 4;
    return (segment.words[at] as number) + (segment.words[at + 1] as number) * TWO_32;
  }

  /** Bytes at `address`, or undefined where the core does not hold all of them. */
  bytes(address: number, length: number): Buffer | undefined {
    const segment = this.segmentOf(address);
    if (!segment || address + length > segment.end) return undefined;
    return Buffer.from(segment.words.buffer, segment.words.byteOffset + (address - segment.start), length);
  }
}

export function wordAt(segment: Segment, address: number): number {
  const at = (address - segment.start) / 4;
  return (segment.words[at] as number) + (segment.words[at + 1] as number) * TWO_32;
}
