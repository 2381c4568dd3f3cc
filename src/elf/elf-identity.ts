import {
  type ElfHeader,
  type ProgramHeader,
  PT_LOAD,
  PT_NOTE,
  parseElfHeader,
  parseProgramHeaders,
  programHeaderRange,
  readElfHeaders,
} from "./elf-header.js";
import { buildIdOf, parseNotes } from "./notes.js";
import type { RandomAccessFile } from "./random-access.js";

/** What tells one ELF file from another: its machine and its GNU build-id. */
export interface ElfIdentity {
  header: ElfHeader;
  buildId?: string;
  /** Bytes of address space its PT_LOAD segments span, when the program headers were at hand. */
  loadSpan?: number;
}

/** A PT_NOTE segment larger than this is not a build-id note: do not read it. */
const MAX_NOTE_SEGMENT = 1 << 20;

/**
 * Identity of an ELF file from the bytes at its start, as far as they reach: the kernel dumps only the
 * first page of each mapped file into a core, and the build-id note sits in that page.
 */
export function elfIdentityFromPrefix(prefix: Buffer, what: string): ElfIdentity {
  const header = parseElfHeader(prefix, what);
  const table = programHeaderRange(header);
  const programs = parseProgramHeaders(prefix.subarray(table.start, table.end), header);
  const identity: ElfIdentity = { header };
  const loadSpan = spanOf(programs);
  if (loadSpan !== undefined) identity.loadSpan = loadSpan;
  for (const program of programs) {
    if (program.type !== PT_NOTE || program.offset + program.filesz > prefix.length) continue;
    const segment = prefix.subarray(program.offset, program.offset + program.filesz);
    const buildId = buildIdOf(parseNotes(segment, header.littleEndian));
    if (buildId) identity.buildId = buildId;
  }
  return identity;
}

function spanOf(programs: ProgramHeader[]): number | undefined {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (const load of programs) {
    if (load.type !== PT_LOAD) continue;
    low = Math.min(low, load.vaddr);
    high = Math.max(high, load.vaddr + load.memsz);
  }
  return Number.isFinite(low) ? high - low : undefined;
}

/** Identity of a whole ELF file on disk, reading its headers and notes only. */
export async function elfIdentityOfFile(file: RandomAccessFile): Promise<ElfIdentity> {
  const { header, programs } = await readElfHeaders(file);
  for (const program of programs) {
    if (program.type !== PT_NOTE || program.filesz > MAX_NOTE_SEGMENT) continue;
    const segment = await file.readAt(program.offset, program.filesz);
    const buildId = buildIdOf(parseNotes(segment, header.littleEndian));
    if (buildId) return { header, buildId };
  }
  return { header };
}
