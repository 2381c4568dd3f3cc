import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { parseElfHeader } from "../../src/elf/elf-header.js";
import {
  parseSectionHeaders,
  parseSymbols,
  readIntSymbols,
  SHT_NOBITS,
  SHT_SYMTAB,
  sectionTableRange,
} from "../../src/elf/symbols.js";

const PROGBITS = 1;
const STRTAB = 3;

/**
 * A little-endian ELF64 file with four sections: null, .data (two ints at 0x1000), .bss (at 0x2000),
 * .symtab and .strtab, holding symbols `v8dbg_a` (= 42), `v8dbg_b` (= -7), `v8dbg_zero` in .bss and `other`.
 */
function tinyElfWithSymbols(): Buffer {
  const data = Buffer.alloc(8);
  data.writeInt32LE(42, 0);
  data.writeInt32LE(-7, 4);
  const names = ["", "v8dbg_a", "v8dbg_b", "v8dbg_zero", "other"];
  const strtab = Buffer.from(`${names.join("\0")}\0`, "latin1");
  const nameAt = (name: string) => strtab.indexOf(Buffer.from(`${name}\0`, "latin1"), name === "" ? 0 : 1);
  const symbol = (name: string, section: number, value: number, size: number) => {
    const entry = Buffer.alloc(24);
    entry.writeUInt32LE(nameAt(name), 0);
    entry.writeUInt16LE(section, 6);
    entry.writeBigUInt64LE(BigInt(value), 8);
    entry.writeBigUInt64LE(BigInt(size), 16);
    return entry;
  };
  const symtab = Buffer.concat([
    Buffer.alloc(24),
    symbol("v8dbg_a", 1, 0x1000, 4),
    symbol("v8dbg_b", 1, 0x1004, 4),
    symbol("v8dbg_zero", 2, 0x2000, 4),
    symbol("other", 1, 0x1000, 4),
  ]);
  const dataAt = 64;
  const symtabAt = dataAt + data.length;
  const strtabAt = symtabAt + symtab.length;
  const sectionsAt = strtabAt + strtab.length + ((8 - ((strtabAt + strtab.length) % 8)) % 8);
  const section = (type: number, addr: number, offset: number, size: number, link = 0, entsize = 0) => {
    const entry = Buffer.alloc(64);
    entry.writeUInt32LE(type, 4);
    entry.writeBigUInt64LE(BigInt(addr), 16);
    entry.writeBigUInt64LE(BigInt(offset), 24);
    entry.writeBigUInt64LE(BigInt(size), 32);
    entry.writeUInt32LE(link, 40);
    entry.writeBigUInt64LE(BigInt(entsize), 56);
    return entry;
  };
  const sections = Buffer.concat([
    Buffer.alloc(64),
    section(PROGBITS, 0x1000, dataAt, data.length),
    section(SHT_NOBITS, 0x2000, 0, 16),
    section(SHT_SYMTAB, 0, symtabAt, symtab.length, 4, 24),
    section(STRTAB, 0, strtabAt, strtab.length),
  ]);
  const header = Buffer.alloc(64);
  header.write("\x7fELF", 0, "latin1");
  header[4] = 2;
  header[5] = 1;
  header[6] = 1;
  header.writeUInt16LE(3, 16);
  header.writeUInt16LE(62, 18);
  header.writeBigUInt64LE(BigInt(sectionsAt), 40);
  header.writeUInt16LE(64, 58);
  header.writeUInt16LE(5, 60);
  const padding = Buffer.alloc(sectionsAt - (strtabAt + strtab.length));
  return Buffer.concat([header, data, symtab, strtab, padding, sections]);
}

describe("the ELF symbol table reader", () => {
  it("finds the section headers and the symbols with a prefix", () => {
    const bytes = tinyElfWithSymbols();
    const header = parseElfHeader(bytes, "tiny");
    const range = sectionTableRange(bytes, header);
    assert.equal(range.count, 5);
    const sections = parseSectionHeaders(bytes.subarray(range.offset), header, range.count, range.entsize);
    const symtab = sections[3];
    const strtab = sections[4];
    assert.ok(symtab && strtab);
    const symbols = parseSymbols(
      bytes.subarray(symtab.offset, symtab.offset + symtab.size),
      bytes.subarray(strtab.offset, strtab.offset + strtab.size),
      header,
      "v8dbg_",
    );
    assert.deepEqual(
      symbols.map((symbol) => [symbol.name, symbol.section, symbol.value]),
      [
        ["v8dbg_a", 1, 0x1000],
        ["v8dbg_b", 1, 0x1004],
        ["v8dbg_zero", 2, 0x2000],
      ],
    );
  });

  it("reads the ints the symbols hold, zero for those in .bss", async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), "coredump-symbols-")), "tiny.so");
    await writeFile(file, tinyElfWithSymbols());
    const values = await readIntSymbols(file, "v8dbg_");
    assert.deepEqual(Object.fromEntries(values), { v8dbg_a: 42, v8dbg_b: -7, v8dbg_zero: 0 });
  });

  it("reads V8's postmortem constants from the node that runs the tests", async () => {
    const values = await readIntSymbols(process.execPath, "v8dbg_");
    assert.ok(values.size > 400, `${values.size} v8dbg_ symbols`);
    assert.equal(values.get("v8dbg_HeapObjectTag"), 1);
    assert.equal(values.get("v8dbg_SmiTag"), 0);
    assert.ok((values.get("v8dbg_type_Map__MAP_TYPE") ?? 0) > 0);
  });
});
