import { ET_CORE, PT_LOAD, readElfHeaders } from "../elf/elf-header.js";
import type { FileMapping } from "../elf/nt-file.js";
import { type RandomAccessFile, withFile } from "../elf/random-access.js";
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
        segments.push(
          ...(await readWithoutZeroBlocks(file, load.offset, load.vaddr, load.filesz - (load.filesz % 8))),
        );
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

/**
 * Reads one PT_LOAD segment in big reads, leaving out the 256 KiB blocks (aligned as V8 aligns its
 * chunks) that are all zeros: reserved, never-touched memory, which the core holds as holes and which
 * can be hundreds of megabytes on Node 24. What remains is kept as one segment per run of blocks.
 */
async function readWithoutZeroBlocks(
  file: RandomAccessFile,
  offset: number,
  vaddr: number,
  size: number,
): Promise<Segment[]> {
  const runs: Array<{ start: number; parts: Buffer[] }> = [];
  let current: { start: number; parts: Buffer[] } | undefined;
  for (let at = 0; at < size; ) {
    const chunkEnd = Math.min(size, at + READ_SIZE - ((vaddr + at) % ZERO_BLOCK));
    const bytes = await file.readAt(offset + at, chunkEnd - at);
    for (let block = 0; block < bytes.length; ) {
      const address = vaddr + at + block;
      const blockEnd = Math.min(bytes.length, block + ZERO_BLOCK - (address % ZERO_BLOCK));
      const part = bytes.subarray(block, blockEnd);
      if (isAllZero(part)) current = undefined;
      else {
        if (!current) {
          current = { start: address, parts: [] };
          runs.push(current);
        }
        current.parts.push(part);
      }
      block = blockEnd;
    }
    at = chunkEnd;
  }
  return runs.map((run) => {
    const length = run.parts.reduce((sum, part) => sum + part.length, 0);
    const words = new Uint32Array(length / 4);
    const view = new Uint8Array(words.buffer);
    let at = 0;
    for (const part of run.parts) {
      view.set(part, at);
      at += part.length;
    }
    return { start: run.start, end: run.start + length, words };
  });
}

const ZERO_BLOCK = 256 * 1024;
const READ_SIZE = 16 * 1024 * 1024;
const ZEROS = Buffer.alloc(ZERO_BLOCK);

function isAllZero(part: Buffer): boolean {
  return part.equals(ZEROS.subarray(0, part.length));
}

export function wordAt(segment: Segment, address: number): number {
  const at = (address - segment.start) / 4;
  return (segment.words[at] as number) + (segment.words[at + 1] as number) * TWO_32;
}
