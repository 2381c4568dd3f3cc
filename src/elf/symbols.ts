import { ByteView } from "./byte-view.js";
import {
  type ElfHeader,
  type ProgramHeader,
  PT_LOAD,
  PT_TLS,
  parseElfHeader,
  readElfHeaders,
} from "./elf-header.js";
import { type RandomAccessFile, withFile } from "./random-access.js";

export const SHT_SYMTAB = 2;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;
const STT_FUNC = 2;

export interface SectionHeader {
  type: number;
  /** Address the section is loaded at (0 for sections not loaded). */
  addr: number;
  offset: number;
  size: number;
  /** For a symbol table: the index of its string table. */
  link: number;
  entsize: number;
}

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  /** Index of the section the symbol is defined in. */
  section: number;
  /** STT_*: 2 for a function. */
  type: number;
}

/** Where the section header table lies, from the ELF64 header's e_shoff, e_shentsize, e_shnum. */
export function sectionTableRange(
  headerBytes: Buffer,
  header: ElfHeader,
): { offset: number; count: number; entsize: number } {
  const view = new ByteView(headerBytes, header.littleEndian, header.is64);
  return header.is64
    ? { offset: view.u64(40), entsize: view.u16(58), count: view.u16(60) }
    : { offset: view.u32(32), entsize: view.u16(46), count: view.u16(48) };
}

export function parseSectionHeaders(
  table: Buffer,
  header: ElfHeader,
  count: number,
  entsize: number,
): SectionHeader[] {
  const view = new ByteView(table, header.littleEndian, header.is64);
  const sections: SectionHeader[] = [];
  for (let index = 0; index < count && (index + 1) * entsize <= table.length; index++) {
    const at = index * entsize;
    sections.push(
      header.is64
        ? {
            type: view.u32(at + 4),
            addr: view.u64(at + 16),
            offset: view.u64(at + 24),
            size: view.u64(at + 32),
            link: view.u32(at + 40),
            entsize: view.u64(at + 56),
          }
        : {
            type: view.u32(at + 4),
            addr: view.u32(at + 12),
            offset: view.u32(at + 16),
            size: view.u32(at + 20),
            link: view.u32(at + 24),
            entsize: view.u32(at + 36),
          },
    );
  }
  return sections;
}

/**
 * The symbols of a symbol table whose names start with `prefix`; names are compared as bytes before
 * they are decoded, because node's table has about a hundred thousand of them.
 */
export function parseSymbols(table: Buffer, strings: Buffer, header: ElfHeader, prefix: string): ElfSymbol[] {
  const view = new ByteView(table, header.littleEndian, header.is64);
  const wanted = Buffer.from(prefix, "latin1");
  const entry = header.is64 ? 24 : 16;
  const symbols: ElfSymbol[] = [];
  // Most names differ within their first bytes (C++ names all begin `_Z`): those are compared in
  // JavaScript, which spares a native call per symbol, and only the rest of a name that matches them is not.
  const head = Math.min(wanted.length, 12);
  for (let at = 0; at + entry <= table.length; at += entry) {
    const nameAt = view.u32(at);
    if (nameAt + wanted.length > strings.length) continue;
    let same = 0;
    while (same < head && strings[nameAt + same] === wanted[same]) same++;
    if (same < head) continue;
    if (
      head < wanted.length &&
      strings.compare(wanted, head, wanted.length, nameAt + head, nameAt + wanted.length) !== 0
    )
      continue;
    const end = strings.indexOf(0, nameAt);
    const name = strings.toString("latin1", nameAt, end === -1 ? strings.length : end);
    symbols.push(
      header.is64
        ? {
            name,
            type: (table[at + 4] ?? 0) & 0xf,
            section: view.u16(at + 6),
            value: view.u64(at + 8),
            size: view.u64(at + 16),
          }
        : {
            name,
            type: (table[at + 12] ?? 0) & 0xf,
            section: view.u16(at + 14),
            value: view.u32(at + 4),
            size: view.u32(at + 8),
          },
    );
  }
  return symbols;
}

/**
 * A defined data symbol's bytes, read from the file through its section: zeros for a symbol in .bss
 * (where compilers put constants that are 0), empty for undefined and absolute symbols.
 */
export async function readSymbolBytes(
  file: RandomAccessFile,
  sections: readonly SectionHeader[],
  symbol: ElfSymbol,
): Promise<Buffer> {
  const section = sections[symbol.section];
  if (!section || symbol.value < section.addr) return Buffer.alloc(0);
  if (section.type === SHT_NOBITS) return Buffer.alloc(symbol.size);
  return file.readAt(section.offset + (symbol.value - section.addr), symbol.size);
}

/**
 * The 32-bit signed integers that an executable's data symbols named `prefix…` hold: V8's postmortem
 * constants (`v8dbg_*`) are such symbols. A stripped executable (no .symtab) gives an empty map.
 */
export async function readIntSymbols(path: string, prefix: string): Promise<Map<string, number>> {
  return withFile(path, async (file) => {
    const { header, sections, symbols } = await symtabSymbols(file, path, prefix);
    const values = new Map<string, number>();
    for (const symbol of symbols) {
      const bytes = await readSymbolBytes(file, sections, symbol);
      if (bytes.length < 4) continue;
      values.set(symbol.name, header.littleEndian ? bytes.readInt32LE(0) : bytes.readInt32BE(0));
    }
    return values;
  });
}

/** The `.symtab` symbols whose names start with `prefix`, with the sections their bytes are read through. */
async function symtabSymbols(
  file: RandomAccessFile,
  path: string,
  prefix: string,
): Promise<{ header: ElfHeader; sections: SectionHeader[]; symbols: ElfSymbol[] }> {
  const { header, sections } = await readSections(file, path);
  const symbols: ElfSymbol[] = [];
  for (const table of sections.filter((section) => section.type === SHT_SYMTAB)) {
    const strings = sections[table.link];
    if (!strings) continue;
    symbols.push(
      ...parseSymbols(await tableBytes(file, table), await tableBytes(file, strings), header, prefix),
    );
  }
  return { header, sections, symbols };
}

/**
 * A symbol or string table's bytes, kept for the next ask: a report asks the same executable's tables for
 * V8's constants, two named symbols and a stack scan's functions (node's are 23 MB). The last few are kept,
 * by file (path, size, time of change) and place.
 */
function tableBytes(file: RandomAccessFile, section: SectionHeader): Promise<Buffer> {
  const key = `${file.path}\0${file.size}\0${file.mtimeMs}\0${section.offset}\0${section.size}`;
  let bytes = recentTables.get(key);
  if (!bytes) {
    bytes = file.readAt(section.offset, section.size);
    bytes.catch(() => recentTables.delete(key));
    recentTables.set(key, bytes);
    for (const old of recentTables.keys()) {
      if (recentTables.size <= RECENT_TABLES) break;
      recentTables.delete(old);
    }
  }
  return bytes;
}

const recentTables = new Map<string, Promise<Buffer>>();
const RECENT_TABLES = 4;

async function readSections(
  file: RandomAccessFile,
  path: string,
): Promise<{ header: ElfHeader; sections: SectionHeader[] }> {
  const headerBytes = await file.readAt(0, 64);
  const header = parseElfHeader(headerBytes, path);
  const range = sectionTableRange(headerBytes, header);
  const sections = parseSectionHeaders(
    await file.readAt(range.offset, range.count * range.entsize),
    header,
    range.count,
    range.entsize,
  );
  return { header, sections };
}

/**
 * The function of an ELF file (executable or shared library) that holds `offset`, an address relative to
 * where the file was loaded: from `.symtab` where the file kept it, `.dynsym` otherwise.
 */
export async function functionAt(path: string, offset: number): Promise<string | undefined> {
  return (await functionsAt(path, [offset])).get(offset);
}

/**
 * The functions that hold each of `offsets` (addresses relative to where the file was loaded), in one pass
 * over the symbol table: a stack scan asks for dozens at once, and node's table has a hundred thousand.
 * Offsets in no function are left out of the map.
 */
export async function functionsAt(path: string, offsets: readonly number[]): Promise<Map<number, string>> {
  return withFile(path, async (file) => {
    const found = new Map<number, string>();
    const { programs } = await readElfHeaders(file);
    const { header, sections } = await readSections(file, path);
    const base = firstLoadAddress(programs);
    const table =
      sections.find((section) => section.type === SHT_SYMTAB) ??
      sections.find((section) => section.type === SHT_DYNSYM);
    const strings = table && sections[table.link];
    if (!table || !strings) return found;
    const wanted = [...new Set(offsets)].map((offset) => offset + base).sort((a, b) => a - b);
    const bytes = await tableBytes(file, table);
    const names = await tableBytes(file, strings);
    const view = new ByteView(bytes, header.littleEndian, header.is64);
    const entry = header.is64 ? 24 : 16;
    for (let at = 0; at + entry <= bytes.length; at += entry) {
      if (((bytes[at + (header.is64 ? 4 : 12)] ?? 0) & 0xf) !== STT_FUNC) continue;
      const value = header.is64 ? view.u64(at + 8) : view.u32(at + 4);
      const size = Math.max(1, header.is64 ? view.u64(at + 16) : view.u32(at + 8));
      for (let index = firstAtLeast(wanted, value); index < wanted.length; index++) {
        const address = wanted[index] as number;
        if (address >= value + size) break;
        if (found.has(address - base)) continue;
        const nameAt = view.u32(at);
        const end = names.indexOf(0, nameAt);
        found.set(address - base, names.toString("latin1", nameAt, end === -1 ? names.length : end));
      }
    }
    return found;
  });
}

/** Where the file's first PT_LOAD asks to be loaded: what offsets from its load address are added to. */
function firstLoadAddress(programs: readonly ProgramHeader[]): number {
  let first = Number.POSITIVE_INFINITY;
  for (const program of programs) if (program.type === PT_LOAD) first = Math.min(first, program.vaddr);
  return Number.isFinite(first) ? first : 0;
}

/** The index of the first of `sorted` that is at least `value`. */
function firstAtLeast(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((sorted[middle] as number) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The `length` bytes of a loaded file that end at `offset` (relative to where it was loaded), read from the
 * file through its PT_LOAD segments: what precedes a return address. Undefined where no segment holds them.
 */
export async function loadedBytesBefore(
  path: string,
  offsets: readonly number[],
  length: number,
): Promise<Map<number, Buffer>> {
  return withFile(path, async (file) => {
    const { programs } = await readElfHeaders(file);
    const base = firstLoadAddress(programs);
    const found = new Map<number, Buffer>();
    for (const offset of new Set(offsets)) {
      const address = offset + base - length;
      const load = programs.find(
        (program) =>
          program.type === PT_LOAD &&
          address >= program.vaddr &&
          address + length <= program.vaddr + program.filesz,
      );
      if (load) found.set(offset, await file.readAt(load.offset + (address - load.vaddr), length));
    }
    return found;
  });
}

/**
 * How many bytes an executable's loadable segments span, from the first one's start to the last one's end
 * in memory: where it is mapped, from its first mapping on, whatever the core says of its mappings.
 */
export async function loadedSpan(path: string): Promise<number> {
  return withFile(path, async (file) => {
    const { programs } = await readElfHeaders(file);
    let end = 0;
    for (const program of programs)
      if (program.type === PT_LOAD) end = Math.max(end, program.vaddr + program.memsz);
    return Math.max(0, end - firstLoadAddress(programs));
  });
}

/** The bytes of the data symbol named exactly `name` in an executable's `.symtab`, or undefined. */
export async function readNamedSymbol(path: string, name: string): Promise<Buffer | undefined> {
  return withFile(path, async (file) => {
    const found = await findNamedSymbol(file, path, name);
    return found ? readSymbolBytes(file, found.sections, found.symbol) : undefined;
  });
}

/**
 * Where the thread-local variable `name` of an executable lies from its thread pointer, on x86_64 (TLS
 * variant II: the executable's block ends at the thread pointer): its offset in the PT_TLS block minus the
 * block's size rounded up to its alignment. Undefined where the executable has no such variable.
 */
export async function threadLocalOffset(path: string, name: string): Promise<number | undefined> {
  return withFile(path, async (file) => {
    const { programs } = await readElfHeaders(file);
    const tls = programs.find((program) => program.type === PT_TLS);
    const found = tls ? await findNamedSymbol(file, path, name) : undefined;
    if (!tls || !found) return undefined;
    const align = Math.max(1, tls.align ?? 1);
    return found.symbol.value - Math.ceil(tls.memsz / align) * align;
  });
}

async function findNamedSymbol(
  file: RandomAccessFile,
  path: string,
  name: string,
): Promise<{ symbol: ElfSymbol; sections: SectionHeader[] } | undefined> {
  const { sections, symbols } = await symtabSymbols(file, path, name);
  const symbol = symbols.find((candidate) => candidate.name === name);
  return symbol ? { symbol, sections } : undefined;
}
