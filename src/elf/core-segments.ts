import { type ProgramHeader, PT_LOAD } from "./elf-header.js";

/** A core's dumped memory as it can be read: its PT_LOAD segments, each file byte and address once. */
export interface CoreSegments {
  /**
   * The PT_LOAD segments, in address order. A dumped part (`filesz`) lies within the file, shares no byte of
   * the file with another segment's and no address with another's; segments with nothing dumped are kept
   * as they are (they cost nothing to read).
   */
  loads: ProgramHeader[];
  /** Those of `loads` with a dumped part, in address order. */
  dumped: ProgramHeader[];
  /** What was cut or left out, in words, for the commands to say; empty for a core as Linux writes it. */
  notes: string[];
}

/**
 * The PT_LOAD segments of a core, made safe to read: each segment's file range is clamped to the file,
 * and to the start of the next segment's (a segment that starts where another does is left out), so that
 * reading them costs at most the file's size, whatever the headers claim; then a segment whose addresses
 * overlap a lower one's is left out, so that each address has one value. A core that Linux wrote is
 * unchanged: its segments follow each other in the file and in memory.
 */
export function coreSegments(programs: readonly ProgramHeader[], fileSize: number): CoreSegments {
  const loads = programs.filter((program) => program.type === PT_LOAD);
  const empty = loads.filter((load) => load.filesz <= 0);
  let pastEnd = 0;
  let shared = 0;
  let overlapping = 0;
  const byOffset = loads
    .filter((load) => load.filesz > 0)
    .map((load, index) => ({ load, index }))
    .sort((a, b) => a.load.offset - b.load.offset || a.index - b.index);
  const inFile: ProgramHeader[] = [];
  for (let at = 0; at < byOffset.length; at++) {
    const { load } = byOffset[at] as { load: ProgramHeader };
    if (load.offset >= fileSize) {
      pastEnd++;
      empty.push({ ...load, filesz: 0 });
      continue;
    }
    let end = load.offset + load.filesz;
    if (end > fileSize) {
      pastEnd++;
      end = fileSize;
    }
    const previous = inFile[inFile.length - 1];
    if (previous && previous.offset === load.offset) {
      shared++;
      continue;
    }
    let next = at + 1;
    while (next < byOffset.length && (byOffset[next] as { load: ProgramHeader }).load.offset === load.offset)
      next++;
    const nextOffset = (byOffset[next] as { load: ProgramHeader } | undefined)?.load.offset;
    if (nextOffset !== undefined && nextOffset < end) {
      shared++;
      end = nextOffset;
    }
    inFile.push(end - load.offset === load.filesz ? load : { ...load, filesz: end - load.offset });
  }
  inFile.sort((a, b) => a.vaddr - b.vaddr || a.offset - b.offset);
  const kept: ProgramHeader[] = [];
  let reached = -Infinity;
  for (const load of inFile) {
    if (load.vaddr < reached) {
      overlapping++;
      continue;
    }
    kept.push(load);
    reached = load.vaddr + load.filesz;
  }
  const notes: string[] = [];
  if (pastEnd > 0)
    notes.push(
      `${count(pastEnd, "segment of the core claims", "segments of the core claim")} bytes past the end of its file: read up to the file's end, the rest as missing`,
    );
  if (shared > 0)
    notes.push(
      `${count(shared, "segment of the core claims", "segments of the core claim")} file bytes that another segment holds: each byte read once, for the segment that starts there (the core was edited or is corrupted)`,
    );
  if (overlapping > 0)
    notes.push(
      `${count(overlapping, "segment of the core overlaps", "segments of the core overlap")} the addresses of a lower segment: left out, the lower one read (the core was edited or is corrupted)`,
    );
  return { loads: [...kept, ...empty].sort((a, b) => a.vaddr - b.vaddr), dumped: kept, notes };
}

/** The dumped segment holding `address`, by binary search of `dumped` (CoreSegments' `dumped`). */
export function dumpedSegmentAt(
  dumped: readonly ProgramHeader[],
  address: number,
): ProgramHeader | undefined {
  let low = 0;
  let high = dumped.length - 1;
  let found: ProgramHeader | undefined;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const load = dumped[middle] as ProgramHeader;
    if (load.vaddr <= address) {
      found = load;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found && address < found.vaddr + found.filesz ? found : undefined;
}

/** `1 segment … claims`, `2 segments … claim`: a count and the words that agree with it. */
function count(value: number, one: string, many: string): string {
  return `${value.toLocaleString("en")} ${value === 1 ? one : many}`;
}
