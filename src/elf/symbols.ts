import { ByteView } from "./byte-view.js";
import { type ElfHeader, PT_LOAD, PT_TLS, parseElfHeader, readElfHeaders } from "./elf-header.js";
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
  for (let at = 0; at + entry <= table.length; at += entry) {
    const nameAt = view.u32(at);
    if (
      nameAt + wanted.length > strings.length ||
      strings.compare(wanted, 0, wanted.length, nameAt, nameAt + wanted.length) !== 0
    ) {
      continue;
    }
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
      ...parseSymbols(
        await file.readAt(table.offset, table.size),
        await file.readAt(strings.offset, strings.size),
        header,
        prefix,
      ),
    );
  }
  return { header, sections, symbols };
}

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
  return withFile(path, async (file) => {
    const { programs } = await readElfHeaders(file);
    const { header, sections } = await readSections(file, path);
    let firstLoad = Number.POSITIVE_INFINITY;
    for (const program of programs)
      if (program.type === PT_LOAD) firstLoad = Math.min(firstLoad, program.vaddr);
    const address = offset + (Number.isFinite(firstLoad) ? firstLoad : 0);
    const table =
      sections.find((section) => section.type === SHT_SYMTAB) ??
      sections.find((section) => section.type === SHT_DYNSYM);
    const strings = table && sections[table.link];
    if (!table || !strings) return undefined;
    const symbols = parseSymbols(
      await file.readAt(table.offset, table.size),
      await file.readAt(strings.offset, strings.size),
      header,
      "",
    );
    return symbols.find(
      (symbol) =>
        symbol.type === STT_FUNC &&
        address >= symbol.value &&
        address < symbol.value + Math.max(symbol.size, 1),
    )?.name;
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
