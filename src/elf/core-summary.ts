import { ExpectedError } from "../errors.js";
import { AT_ENTRY, AT_EXECFN, AT_PHDR, parseAuxv } from "./auxv.js";
import { cString } from "./byte-view.js";
import { coreSegments, dumpedSegmentAt } from "./core-segments.js";
import { type ElfHeader, ET_CORE, isElf, type ProgramHeader, PT_NOTE, readElfHeaders } from "./elf-header.js";
import { elfIdentityFromPrefix } from "./elf-identity.js";
import type { Machine } from "./machine.js";
import { findNodeVersion } from "./node-version.js";
import { type ElfNote, eachNote, NT_AUXV, NT_FILE, NT_PRPSINFO } from "./notes.js";
import { type FileMapping, fileMappingsOf } from "./nt-file.js";
import { type ProcessInfo, parsePrpsinfo } from "./prpsinfo.js";
import { type RandomAccessFile, withFile } from "./random-access.js";
import { type FaultState, parseFaultState } from "./thread-state.js";

/** One ELF file mapped into the crashed process, as `eu-unstrip -n --core` lists them. */
export interface MappedElf {
  path: string;
  /** Lowest and highest address of its mappings. */
  start: number;
  end: number;
  /**
   * Absent when the kernel did not dump the file's first page (`coredump_filter` without bit 4), and in a
   * core without NT_FILE (qemu-user's), which holds no file-backed text at all.
   */
  buildId?: string;
  /** Its Go build ID, where Go's linker wrote one (in the same first page). */
  goBuildId?: string;
}

export interface CoreSummary {
  machine: Machine;
  is64: boolean;
  littleEndian: boolean;
  process?: ProcessInfo;
  mappings: FileMapping[];
  /**
   * Whether the core lists its file mappings (NT_FILE), as Linux kernels since 3.7 write. qemu-user's cores
   * do not, and hold neither ELF headers nor build-ids of the files the process mapped.
   */
  hasFileNote: boolean;
  /** Each mapped ELF file, in address order. */
  modules: MappedElf[];
  /**
   * The main executable, found through the auxiliary vector. Without NT_FILE: its path from AT_EXECFN (else
   * the command line), its extent the segment that holds its program headers, and no build-id.
   */
  executable?: MappedElf;
  /** Where the process's program headers were in memory (AT_PHDR): with the file's, the load bias. */
  programHeaders?: number;
  /** The Node version the core's memory names (`release/vX.Y.Z`), when it is a Node process. */
  nodeVersion?: string;
  /** The crashed thread's signal, program counter and faulting address. */
  fault?: FaultState;
  /**
   * What the headers claimed that could not be read as claimed (segments past the file's end or sharing
   * its bytes, overlapping mappings), in words; empty for a core as Linux writes it.
   */
  notes: string[];
}

export class NotACoreError extends ExpectedError {
  constructor(path: string, type: number) {
    super(`${path} is an ELF file of type ${type}, not a core (type ${ET_CORE})`);
    this.name = "NotACoreError";
  }
}

/** Largest first page read per mapped file: 64 KiB covers the page size of every Linux architecture. */
const MAX_FIRST_PAGE = 64 << 10;
/** Bytes of notes read at most, in all PT_NOTE segments: Linux writes a few hundred KiB. */
const MAX_NOTES = 64 << 20;

/**
 * Reads a core's notes, machine and each mapped ELF's build-id, without loading the core; and, unless
 * `nodeVersion: false`, scans its dumped memory for the Node version it names.
 */
export async function readCoreSummary(
  path: string,
  options: { nodeVersion?: boolean } = {},
): Promise<CoreSummary> {
  return withFile(path, async (file) => {
    const { header, programs } = await readElfHeaders(file);
    if (header.type !== ET_CORE) throw new NotACoreError(path, header.type);
    const notes = await readNotes(file, header, programs);
    const { littleEndian, is64 } = header;
    const fileNote = notes.find((note) => note.name === "CORE" && note.type === NT_FILE);
    const files = fileNote ? fileMappingsOf(fileNote.desc, littleEndian, is64) : { mappings: [], notes: [] };
    const mappings = files.mappings;
    const prpsinfo = notes.find((note) => note.name === "CORE" && note.type === NT_PRPSINFO);
    const auxvNote = notes.find((note) => note.name === "CORE" && note.type === NT_AUXV);
    const auxv = auxvNote ? parseAuxv(auxvNote.desc, littleEndian, is64) : new Map<number, number>();
    const segments = coreSegments(programs, file.size);
    const { loads, dumped } = segments;
    const modules = await readModules(file, mappings, dumped);
    const summary: CoreSummary = {
      machine: header.machine,
      is64,
      littleEndian,
      mappings,
      hasFileNote: fileNote !== undefined,
      modules,
      notes: [...segments.notes, ...files.notes],
    };
    const process = prpsinfo && parsePrpsinfo(prpsinfo.desc);
    if (process) summary.process = process;
    const fault = is64 ? parseFaultState(notes, header.machine.name, littleEndian) : undefined;
    if (fault) summary.fault = fault;
    const programHeaders = auxv.get(AT_PHDR);
    if (programHeaders !== undefined) summary.programHeaders = programHeaders;
    const executable = fileNote
      ? mainExecutable(modules, auxv)
      : await executableWithoutFileNote(file, loads, dumped, auxv, process);
    if (executable) {
      summary.executable = executable;
      if (!fileNote) modules.push(executable);
    }
    if (options.nodeVersion !== false) {
      const nodeVersion = await findNodeVersion(file, dumpedRanges(dumped));
      if (nodeVersion) summary.nodeVersion = nodeVersion;
    }
    return summary;
  });
}

/** The Node version a core's memory names, alone: reads the dumped memory, which takes a moment. */
export async function readCoreNodeVersion(path: string): Promise<string | undefined> {
  return withFile(path, async (file) => {
    const { programs } = await readElfHeaders(file);
    return findNodeVersion(file, dumpedRanges(coreSegments(programs, file.size).dumped));
  });
}

/** The file ranges of the dumped segments, in file order (as the kernel writes them: memory in order). */
function dumpedRanges(dumped: ProgramHeader[]): Array<{ start: number; end: number }> {
  return dumped
    .map((load) => ({ start: load.offset, end: load.offset + load.filesz }))
    .sort((a, b) => a.start - b.start);
}

/**
 * The first note of each name and type, in the order of the segments: what the summary reads of them is
 * the first (the crashed thread's NT_PRSTATUS comes first), so a core of many threads, or of a million
 * empty notes, costs one object per kind of note. At most MAX_NOTES bytes of notes are read in all.
 */
async function readNotes(
  file: RandomAccessFile,
  header: ElfHeader,
  programs: ProgramHeader[],
): Promise<ElfNote[]> {
  const notes: ElfNote[] = [];
  const seen = new Set<string>();
  let budget = MAX_NOTES;
  for (const program of programs) {
    if (program.type !== PT_NOTE || program.filesz > budget) continue;
    budget -= program.filesz;
    for (const note of eachNote(await file.readAt(program.offset, program.filesz), header.littleEndian)) {
      const kind = `${note.type} ${note.name}`;
      if (seen.has(kind)) continue;
      seen.add(kind);
      notes.push(note);
    }
  }
  return notes;
}

/**
 * A module is a file mapped at offset 0 whose first page the core holds as an ELF header; its extent is
 * what its PT_LOAD segments span (as eu-unstrip reports it), so that a second mapping of the same file
 * elsewhere (node maps part of itself again) is not taken for part of it.
 */
async function readModules(
  file: RandomAccessFile,
  mappings: FileMapping[],
  dumped: ProgramHeader[],
): Promise<MappedElf[]> {
  const modules: MappedElf[] = [];
  for (const head of mappings) {
    if (head.fileOffset !== 0) continue;
    // No more than the mapping: mappings do not overlap, so that all of them read the core once at most.
    const length = Math.min(MAX_FIRST_PAGE, head.end - head.start);
    const firstPage = await readDumpedMemory(file, dumped, head.start, length);
    if (!firstPage || !isElf(firstPage)) continue;
    const module: MappedElf = { path: head.path, start: head.start, end: head.end };
    try {
      const identity = elfIdentityFromPrefix(firstPage, head.path);
      if (identity.buildId) module.buildId = identity.buildId;
      if (identity.goBuildId) module.goBuildId = identity.goBuildId;
      if (identity.loadSpan) module.end = head.start + identity.loadSpan;
    } catch {
      // A first page that starts like ELF but does not parse: listed without build-id.
    }
    modules.push(module);
  }
  return modules.sort((a, b) => a.start - b.start);
}

/** The bytes the core holds for memory at `address`, up to the end of that segment's dumped part. */
async function readDumpedMemory(
  file: RandomAccessFile,
  dumped: ProgramHeader[],
  address: number,
  length: number,
): Promise<Buffer | undefined> {
  const load = dumpedSegmentAt(dumped, address);
  if (!load) return undefined;
  const skip = address - load.vaddr;
  return file.readAt(load.offset + skip, Math.min(length, load.filesz - skip));
}

/**
 * The main executable of a core without NT_FILE: the loaded segment that holds its program headers (AT_PHDR)
 * or entry point, named by the path it was executed as (AT_EXECFN, a string on the dumped stack), else by
 * the command line's first word.
 */
async function executableWithoutFileNote(
  file: RandomAccessFile,
  loads: ProgramHeader[],
  dumped: ProgramHeader[],
  auxv: Map<number, number>,
  process: ProcessInfo | undefined,
): Promise<MappedElf | undefined> {
  const address = auxv.get(AT_PHDR) ?? auxv.get(AT_ENTRY);
  if (address === undefined) return undefined;
  const load = loads.find(
    (candidate) => candidate.vaddr <= address && address < candidate.vaddr + candidate.memsz,
  );
  if (!load) return undefined;
  const execfn = auxv.get(AT_EXECFN);
  const named = execfn === undefined ? undefined : await readDumpedMemory(file, dumped, execfn, 4096);
  const path = (named && cString(named)) || process?.psargs.split(" ")[0] || process?.fname;
  if (!path) return undefined;
  return { path, start: load.vaddr, end: load.vaddr + load.memsz };
}

/** The module holding the program headers (AT_PHDR) or entry point (AT_ENTRY) is the main executable. */
function mainExecutable(modules: MappedElf[], auxv: Map<number, number>): MappedElf | undefined {
  for (const key of [AT_PHDR, AT_ENTRY]) {
    const address = auxv.get(key);
    if (address === undefined) continue;
    const found = modules.find((module) => module.start <= address && address < module.end);
    if (found) return found;
  }
  return modules[0];
}
