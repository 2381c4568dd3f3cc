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
import { buildIdOf, type ElfNote, goBuildIdOf, parseNotes } from "./notes.js";
import type { RandomAccessFile } from "./random-access.js";

/** What tells one ELF file from another: its machine, its GNU build-id and its Go build ID. */
export interface ElfIdentity {
  header: ElfHeader;
  buildId?: string;
  /** The Go build ID (a note of owner `Go`) that Go's linker writes, with or without a GNU build-id. */
  goBuildId?: string;
  /** Bytes of address space its PT_LOAD segments span, when the program headers were at hand. */
  loadSpan?: number;
}

/** A PT_NOTE segment larger than this is not a build-id note: do not read it. */
const MAX_NOTE_SEGMENT = 1 << 20;
/** The page that holds the notes after Go's: 4 KiB, the smallest page of any Linux architecture. */
const PAGE = 4096;

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
    addNoteIds(identity, parseNotes(segment, header.littleEndian));
    const end = program.offset + program.filesz;
    addNoteIds(identity, notesAfterGoNote(segment, prefix.subarray(end, end + restOfPage(end)), header));
  }
  return identity;
}

/**
 * Go's linker (1.19) asked for a GNU build-id (`-ldflags=-B 0x…`) writes its note right after the Go note in
 * the first page, but its PT_NOTE segment covers the Go note only: after a segment that holds a Go note,
 * the whole notes that follow it up to the page's end are read too. Other producers' files are read by
 * their segments alone.
 */
function notesAfterGoNote(segment: Buffer, after: Buffer, header: ElfHeader): ElfNote[] {
  if (!goBuildIdOf(parseNotes(segment, header.littleEndian))) return [];
  return parseNotes(after, header.littleEndian);
}

/** Bytes from `offset` to the end of its page. */
function restOfPage(offset: number): number {
  return (PAGE - (offset % PAGE)) % PAGE;
}

/** The build-ids a set of notes holds, the first of each kind. */
function addNoteIds(identity: ElfIdentity, notes: ElfNote[]): void {
  const buildId = buildIdOf(notes);
  if (buildId && !identity.buildId) identity.buildId = buildId;
  const goBuildId = goBuildIdOf(notes);
  if (goBuildId && !identity.goBuildId) identity.goBuildId = goBuildId;
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
  const identity: ElfIdentity = { header };
  for (const program of programs) {
    if (program.type !== PT_NOTE || program.filesz > MAX_NOTE_SEGMENT) continue;
    const segment = await file.readAt(program.offset, program.filesz);
    addNoteIds(identity, parseNotes(segment, header.littleEndian));
    const end = program.offset + program.filesz;
    const after = await file.readAt(end, restOfPage(end));
    addNoteIds(identity, notesAfterGoNote(segment, after, header));
  }
  return identity;
}
