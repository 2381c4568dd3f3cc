import { ByteView, cString } from "./byte-view.js";
import { PT_LOAD, readElfHeaders } from "./elf-header.js";
import { withFile } from "./random-access.js";

const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const STT_FUNC = 2;
const SECTION_HEADER_SIZE = 64;
const SYMBOL_SIZE = 24;

/**
 * The function of a 64-bit ELF file (executable or shared library) that holds `offset`, an address
 * relative to where the file was loaded: `.symtab` where the file kept it, `.dynsym` otherwise.
 */
export async function functionAt(path: string, offset: number): Promise<string | undefined> {
  return withFile(path, async (file) => {
    const { header, programs } = await readElfHeaders(file);
    if (!header.is64) return undefined;
    const firstLoad = Math.min(...programs.filter((p) => p.type === PT_LOAD).map((p) => p.vaddr));
    const address = offset + (Number.isFinite(firstLoad) ? firstLoad : 0);
    const raw = await file.readAt(0, 64);
    const view = new ByteView(raw, header.littleEndian, true);
    const tableAt = view.u64(0x28);
    const count = view.u16(0x3c);
    const sections = new ByteView(
      await file.readAt(tableAt, count * SECTION_HEADER_SIZE),
      header.littleEndian,
      true,
    );
    const section = (index: number) => {
      const at = index * SECTION_HEADER_SIZE;
      return {
        type: sections.u32(at + 4),
        offset: sections.u64(at + 24),
        size: sections.u64(at + 32),
        link: sections.u32(at + 40),
      };
    };
    const all = Array.from({ length: count }, (_, index) => section(index));
    const table = all.find((s) => s.type === SHT_SYMTAB) ?? all.find((s) => s.type === SHT_DYNSYM);
    if (!table) return undefined;
    const strings = all[table.link];
    if (!strings) return undefined;
    const symbols = new ByteView(await file.readAt(table.offset, table.size), header.littleEndian, true);
    for (let at = 0; at + SYMBOL_SIZE <= table.size; at += SYMBOL_SIZE) {
      if ((symbols.bytes[at + 4] ?? 0) % 16 !== STT_FUNC) continue;
      const value = symbols.u64(at + 8);
      const size = symbols.u64(at + 16);
      if (address < value || address >= value + Math.max(size, 1)) continue;
      const nameAt = symbols.u32(at);
      return cString(await file.readAt(strings.offset + nameAt, Math.min(512, strings.size - nameAt)));
    }
    return undefined;
  });
}
