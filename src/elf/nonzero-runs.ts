import { closeSync, openSync, readSync } from "node:fs";
import { coreSegments } from "./core-segments.js";
import type { ProgramHeader } from "./elf-header.js";
import { readElfHeaders } from "./elf-header.js";
import { withFile } from "./random-access.js";

/** A run of a core's memory that is not all zeros, and where the file holds it. */
export interface NonZeroRun {
  start: number;
  end: number;
  /** The file offset of `start`. */
  offset: number;
  /** Where the mapping (the PT_LOAD segment) that holds the run ends, dumped or not. */
  loadEnd: number;
}

/**
 * Reserved, never-touched memory is most of a core (hundreds of megabytes of V8's reservations on Node 24
 * and 26), held as holes or zeros: the runs that hold something, in 256 KiB blocks aligned as V8 aligns its
 * chunks, found by reading the core through once. Whatever reads the core's memory after that (its text, its
 * heap) reads only these. `only` keeps the segments a reader wants (the heap: anonymous memory alone).
 */
export async function nonZeroRuns(
  corePath: string,
  only: (load: ProgramHeader) => boolean = () => true,
): Promise<NonZeroRun[]> {
  const dumped = await withFile(corePath, async (file) => {
    const { programs } = await readElfHeaders(file);
    return coreSegments(programs, file.size).dumped;
  });
  const fd = openSync(corePath, "r");
  try {
    const runs: NonZeroRun[] = [];
    for (const load of dumped) {
      if (load.filesz < 8 || !only(load)) continue;
      const size = load.filesz - (load.filesz % 8);
      runs.push(...segmentRuns(fd, load, size));
    }
    return runs.sort((a, b) => a.start - b.start);
  } finally {
    closeSync(fd);
  }
}

function segmentRuns(fd: number, load: ProgramHeader, size: number): NonZeroRun[] {
  const { offset, vaddr } = load;
  const loadEnd = vaddr + Math.max(size, load.memsz);
  const runs: NonZeroRun[] = [];
  let current: NonZeroRun | undefined;
  for (let at = 0; at < size; ) {
    const chunkEnd = Math.min(size, at + READ_SIZE - ((vaddr + at) % ZERO_BLOCK));
    scanBuffer ??= Buffer.allocUnsafe(READ_SIZE);
    const bytes = scanBuffer.subarray(0, chunkEnd - at);
    readFully(fd, bytes, offset + at);
    for (let block = 0; block < bytes.length; ) {
      const address = vaddr + at + block;
      const blockEnd = Math.min(bytes.length, block + ZERO_BLOCK - (address % ZERO_BLOCK));
      if (isAllZero(bytes, block, blockEnd)) current = undefined;
      else {
        if (!current) {
          current = { start: address, end: address, offset: offset + at + block, loadEnd };
          runs.push(current);
        }
        current.end = vaddr + at + blockEnd;
      }
      block = blockEnd;
    }
    at = chunkEnd;
  }
  return runs;
}

const ZERO_BLOCK = 256 * 1024;
const READ_SIZE = 16 * 1024 * 1024;
const ZEROS = Buffer.alloc(ZERO_BLOCK);
let scanBuffer: Buffer | undefined;

function isAllZero(bytes: Buffer, start: number, end: number): boolean {
  return bytes.compare(ZEROS, 0, end - start, start, end) === 0;
}

/** Fills `into` from `offset`, zeros past the end of the file. */
export function readFully(fd: number, into: Uint8Array, offset: number): void {
  for (let done = 0; done < into.length; ) {
    const read = readSync(fd, into, done, into.length - done, offset + done);
    if (read === 0) {
      into.fill(0, done);
      return;
    }
    done += read;
  }
}
