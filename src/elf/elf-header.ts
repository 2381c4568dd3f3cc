import { ExpectedError } from "../errors.js";
import { ByteView } from "./byte-view.js";
import { type Machine, machineOf } from "./machine.js";
import type { RandomAccessFile } from "./random-access.js";

export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;

export const PT_LOAD = 1;
export const PT_NOTE = 4;
export const PT_PHDR = 6;
export const PT_TLS = 7;
/**
 * `e_phnum` of a file with 65,535 program headers or more, as Linux writes cores of that many mappings:
 * the real count is then `sh_info` of section header 0.
 */
export const PN_XNUM = 0xffff;
/** `p_flags` bit of a writable segment. */
export const PF_W = 2;

/** Bytes enough for the ELF header of either class. */
export const ELF_HEADER_SIZE = 64;

export interface ElfHeader {
  is64: boolean;
  littleEndian: boolean;
  type: number;
  machine: Machine;
  phoff: number;
  phentsize: number;
  phnum: number;
  /** Where the section header table is (0 for none), and the size of one entry. */
  shoff: number;
  shentsize: number;
}

export interface ProgramHeader {
  type: number;
  /** `p_flags`: PF_X 1, PF_W 2, PF_R 4. */
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  /** `p_align` (absent where a caller made the header up). */
  align?: number;
}

export class NotElfError extends ExpectedError {
  constructor(what: string) {
    super(`${what} is not an ELF file`);
    this.name = "NotElfError";
  }
}

export function isElf(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes.readUInt32BE(0) === 0x7f454c46;
}

/** Parses the ELF header at the start of `bytes`; `what` names the file in errors. */
export function parseElfHeader(bytes: Buffer, what: string): ElfHeader {
  if (!isElf(bytes) || bytes.length < 52) throw new NotElfError(what);
  const elfClass = bytes[4];
  const data = bytes[5];
  if ((elfClass !== 1 && elfClass !== 2) || (data !== 1 && data !== 2)) throw new NotElfError(what);
  const is64 = elfClass === 2;
  if (is64 && bytes.length < ELF_HEADER_SIZE) throw new NotElfError(what);
  const view = new ByteView(bytes, data === 1, is64);
  return {
    is64,
    littleEndian: view.littleEndian,
    type: view.u16(16),
    machine: machineOf(view.u16(18)),
    phoff: is64 ? view.u64(32) : view.u32(28),
    phentsize: view.u16(is64 ? 54 : 42),
    phnum: view.u16(is64 ? 56 : 44),
    shoff: is64 ? view.u64(40) : view.u32(32),
    shentsize: view.u16(is64 ? 58 : 46),
  };
}

/** Bytes [start, end) of the program header table within the file. */
export function programHeaderRange(header: ElfHeader): { start: number; end: number } {
  return { start: header.phoff, end: header.phoff + header.phentsize * header.phnum };
}

export function parseProgramHeaders(table: Buffer, header: ElfHeader): ProgramHeader[] {
  const view = new ByteView(table, header.littleEndian, header.is64);
  const headers: ProgramHeader[] = [];
  for (let index = 0; index < header.phnum; index++) {
    const at = index * header.phentsize;
    if (at + (header.is64 ? 56 : 32) > table.length) break;
    headers.push(
      header.is64
        ? {
            type: view.u32(at),
            flags: view.u32(at + 4),
            offset: view.u64(at + 8),
            vaddr: view.u64(at + 16),
            filesz: view.u64(at + 32),
            memsz: view.u64(at + 40),
            align: view.u64(at + 48),
          }
        : {
            type: view.u32(at),
            flags: view.u32(at + 24),
            offset: view.u32(at + 4),
            vaddr: view.u32(at + 8),
            filesz: view.u32(at + 16),
            memsz: view.u32(at + 20),
            align: view.u32(at + 28),
          },
    );
  }
  return headers;
}

/** Reads up to `length` bytes at `offset` (fewer at the end). */
export type ReadAt = (offset: number, length: number) => Promise<Buffer>;

/**
 * The header with its real count of program headers: past 65,534 (PN_XNUM in `e_phnum`), `sh_info` of
 * section header 0. Where that section header is not in the file (a core cut short), the count stays
 * 65,535, the least it can be.
 */
export async function withProgramCount(header: ElfHeader, readAt: ReadAt, what: string): Promise<ElfHeader> {
  if (header.phnum !== PN_XNUM || header.shoff === 0) return header;
  const infoAt = header.is64 ? 44 : 28;
  if (header.shentsize < infoAt + 4) return header;
  const section = await readAt(header.shoff, infoAt + 4);
  if (section.length < infoAt + 4) return header;
  const view = new ByteView(section, header.littleEndian, header.is64);
  const count = view.u32(infoAt);
  if (count > MAX_PROGRAM_HEADERS) throw new TooManyProgramHeadersError(what, count);
  return count > PN_XNUM ? { ...header, phnum: count } : header;
}

/** An ELF file's header and program headers, read from the file. */
export async function readElfHeaders(
  file: RandomAccessFile,
): Promise<{ header: ElfHeader; programs: ProgramHeader[] }> {
  const readAt: ReadAt = (offset, length) => file.readAt(offset, length);
  const header = await withProgramCount(
    parseElfHeader(await file.readAt(0, ELF_HEADER_SIZE), file.path),
    readAt,
    file.path,
  );
  const table = programHeaderRange(header);
  const programs = parseProgramHeaders(await file.readAt(table.start, table.end - table.start), header);
  return { header, programs };
}

/** More program headers than any process's mappings: Linux's own limit on them is 65,530 by default. */
export const MAX_PROGRAM_HEADERS = 1 << 22;

export class TooManyProgramHeadersError extends ExpectedError {
  constructor(what: string, count: number) {
    super(
      `${what} claims ${count} program headers, more than the ${MAX_PROGRAM_HEADERS} coredump reads: the file is corrupted`,
    );
    this.name = "TooManyProgramHeadersError";
  }
}
