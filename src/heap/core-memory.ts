import { closeSync, openSync } from "node:fs";
import { coreSegments } from "../elf/core-segments.js";
import { ET_CORE, readElfHeaders } from "../elf/elf-header.js";
import { type NonZeroRun, nonZeroRuns, readFully } from "../elf/nonzero-runs.js";
import type { FileMapping } from "../elf/nt-file.js";
import { withFile } from "../elf/random-access.js";
import { UnsupportedHeapError } from "./v8-constants.js";

/** One dumped memory segment of the core, as 32-bit words (little-endian x64: a word is lo + hi · 2³²). */
export interface Segment {
  readonly start: number;
  readonly end: number;
  /**
   * Where the mapping (the core's PT_LOAD segment) this run of memory is part of ends, dumped or not: a
   * V8 chunk is one mapping, so that no object reaches past it.
   */
  readonly loadEnd: number;
  /** The segment's memory; a segment of the core is read from the file when first asked for. */
  readonly words: Uint32Array;
}

const TWO_32 = 2 ** 32;

/** How many bytes of the core's segments are kept in memory at most (beyond those a caller still holds). */
export const DEFAULT_RESIDENT_BYTES = 16 * 1024 * 1024;

/**
 * The anonymous memory of a crashed process, from its core's PT_LOAD segments. File-backed mappings (the
 * executable, libraries) are left out: no V8 object lives there. The core is not held in memory: each
 * segment is read from the file when first used (one read), and the least recently used are let go once
 * more than `residentBytes` are held, to be read again if asked for (the file is in the page cache by
 * then, so a read again is a copy). A heap of gigabytes is so read in a bounded amount of memory.
 */
export class CoreMemory {
  private constructor(
    readonly segments: readonly Segment[],
    private readonly source: SegmentSource,
    /** What the core's headers claimed that was not read as claimed (CoreSegments' notes). */
    readonly notes: readonly string[],
  ) {}

  static async load(
    corePath: string,
    fileMappings: readonly FileMapping[],
    residentBytes = DEFAULT_RESIDENT_BYTES,
    /** The core's non-zero runs where the caller found them already (nonZeroRuns, of every segment). */
    knownRuns?: readonly NonZeroRun[],
  ): Promise<CoreMemory> {
    const notes = await withFile(corePath, async (file) => {
      const { header, programs } = await readElfHeaders(file);
      if (header.type !== ET_CORE || !header.is64 || !header.littleEndian) {
        throw new UnsupportedHeapError(
          `${corePath} is not a 64-bit little-endian core: coredump heap reads x64 cores`,
        );
      }
      return coreSegments(programs, file.size).notes;
    });
    const mapped = [...fileMappings].sort((a, b) => a.start - b.start);
    const runs = knownRuns
      ? knownRuns.filter((run) => !overlapsAny(mapped, run.start, run.end))
      : await nonZeroRuns(corePath, (load) => !overlapsAny(mapped, load.vaddr, load.vaddr + load.filesz));
    const source = new SegmentSource(corePath, residentBytes);
    const segments = runs.map((run) => new FileSegment(run.start, run.end, run.loadEnd, run.offset, source));
    return new CoreMemory(segments, source, notes);
  }

  /** Reads so far and bytes held now: what the bounded memory costs in reads. */
  get reads(): { segments: number; bytes: number; resident: number } {
    return { segments: this.source.reads, bytes: this.source.readBytes, resident: this.source.residentBytes };
  }

  /** Lets go of every segment held (they are read again when asked for). */
  release(): void {
    this.source.releaseAll();
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
    const words = segment.words;
    const at = (address - segment.start) / 4;
    return (words[at] as number) + (words[at + 1] as number) * TWO_32;
  }

  /** Where bytes the core left out are read instead (MappedFileBytes: the executable's read-only data). */
  fileBytes: ((address: number, length: number) => Buffer | undefined) | undefined;

  /** Bytes at `address`, or undefined where neither the core nor `fileBytes` holds all of them. */
  bytes(address: number, length: number): Buffer | undefined {
    const segment = this.segmentOf(address);
    if (!segment) return this.fileBytes?.(address, length);
    if (address + length > segment.end) return undefined;
    const words = segment.words;
    return Buffer.from(words.buffer, words.byteOffset + (address - segment.start), length);
  }
}

/** A segment read from the core's file when first used, and let go again when memory is short. */
class FileSegment implements Segment {
  data: Uint32Array | undefined;
  lastUse = 0;

  constructor(
    readonly start: number,
    readonly end: number,
    readonly loadEnd: number,
    readonly offset: number,
    private readonly source: SegmentSource,
  ) {}

  get words(): Uint32Array {
    this.lastUse = ++this.source.clock;
    return this.data ?? this.source.load(this);
  }
}

/** The core's file descriptor and the segments held in memory, least recently used let go first. */
class SegmentSource {
  readonly fd: number;
  clock = 0;
  reads = 0;
  readBytes = 0;
  residentBytes = 0;
  private resident: FileSegment[] = [];

  constructor(
    path: string,
    private readonly budget: number,
  ) {
    this.fd = openSync(path, "r");
    closeWhenCollected.register(this, this.fd);
  }

  load(segment: FileSegment): Uint32Array {
    const length = segment.end - segment.start;
    // Not zero-filled first: the read fills it whole (and zeros what the file lacks).
    const bytes = Buffer.allocUnsafeSlow(length);
    readFully(this.fd, bytes, segment.offset);
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, length / 4);
    this.reads++;
    this.readBytes += length;
    while (this.residentBytes + length > this.budget && this.resident.length > 0) this.evictOldest();
    segment.data = words;
    this.resident.push(segment);
    this.residentBytes += length;
    return words;
  }

  releaseAll(): void {
    for (const segment of this.resident) segment.data = undefined;
    this.resident = [];
    this.residentBytes = 0;
  }

  private evictOldest(): void {
    let oldest = 0;
    for (let index = 1; index < this.resident.length; index++) {
      if ((this.resident[index] as FileSegment).lastUse < (this.resident[oldest] as FileSegment).lastUse)
        oldest = index;
    }
    const [segment] = this.resident.splice(oldest, 1) as [FileSegment];
    this.residentBytes -= segment.end - segment.start;
    segment.data = undefined;
  }
}

const closeWhenCollected = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // Already closed: nothing to do.
  }
});

/**
 * Whether [start, end) overlaps one of `mappings` (in address order, as CoreSummary gives them: each address
 * in one at most), by binary search: the last mapping that starts before `end`.
 */
function overlapsAny(mappings: readonly FileMapping[], start: number, end: number): boolean {
  let low = 0;
  let high = mappings.length - 1;
  let last: FileMapping | undefined;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const mapping = mappings[middle] as FileMapping;
    if (mapping.start < end) {
      last = mapping;
      low = middle + 1;
    } else high = middle - 1;
  }
  return last !== undefined && start < last.end;
}

export function wordAt(segment: Segment, address: number): number {
  const words = segment.words;
  const at = (address - segment.start) / 4;
  return (words[at] as number) + (words[at + 1] as number) * TWO_32;
}
