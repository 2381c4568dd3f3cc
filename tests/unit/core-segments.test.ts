/**
 * The rules that make a core's headers safe to read (issue 25): segments clamped to the file and read
 * once, mappings read once and at most 65,536 of them, the program header count of PN_XNUM files.
 * The integration suite (tests/integration/hostile-core-*.test.ts) runs them on real cores; here each
 * rule on its own.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { coreSegments, dumpedSegmentAt } from "../../src/elf/core-segments.js";
import {
  type ElfHeader,
  PN_XNUM,
  type ProgramHeader,
  PT_LOAD,
  PT_NOTE,
  TooManyProgramHeadersError,
  withProgramCount,
} from "../../src/elf/elf-header.js";
import { machineOf } from "../../src/elf/machine.js";
import { fileMappingsOf, MAX_FILE_MAPPINGS } from "../../src/elf/nt-file.js";

const load = (offset: number, vaddr: number, filesz: number): ProgramHeader => ({
  type: PT_LOAD,
  flags: 6,
  offset,
  vaddr,
  filesz,
  memsz: filesz,
});

/** What of each segment is read: where in the file, how much, for which addresses. */
const read = (programs: readonly ProgramHeader[]) =>
  programs.map(({ offset, vaddr, filesz }) => ({ offset, vaddr, filesz }));

/** Three segments one after the other, as Linux writes them, and a note before them. */
const LINUX = [
  { type: PT_NOTE, flags: 0, offset: 0x100, vaddr: 0, filesz: 0x200, memsz: 0 },
  load(0x1000, 0x400000, 0x1000),
  { ...load(0x2000, 0x500000, 0), memsz: 0x8000 },
  load(0x2000, 0x600000, 0x3000),
  load(0x5000, 0x700000, 0x1000),
];
const SIZE = 0x6000;

describe("coreSegments", () => {
  it("leaves a core as Linux writes it as it is, with nothing to note", () => {
    const { loads, dumped, notes } = coreSegments(LINUX, SIZE);
    assert.deepEqual(
      loads,
      LINUX.filter((program) => program.type === PT_LOAD),
    );
    assert.deepEqual(
      dumped,
      LINUX.filter((program) => program.type === PT_LOAD && program.filesz > 0),
    );
    assert.deepEqual(notes, []);
  });

  it("cuts a segment at the file's end, and keeps one past it undumped", () => {
    const { dumped, loads, notes } = coreSegments(
      [load(0x1000, 0x400000, 2 ** 62), load(SIZE + 2 ** 40, 0x900000, 2 ** 62)],
      SIZE,
    );
    assert.deepEqual(read(dumped), read([load(0x1000, 0x400000, SIZE - 0x1000)]));
    assert.equal(loads.length, 2);
    assert.match(notes.join("\n"), /^2 segments of the core claim bytes past the end of its file/);
  });

  it("reads each file byte once: a segment cut where the next starts, one that starts where another does left out", () => {
    const programs = [load(0x1000, 0x400000, 0x4000), load(0x2000, 0x600000, 0x1000)];
    for (let index = 0; index < 8000; index++)
      programs.push(load(0x2000, 0x10000000 + index * 0x1000, 0x1000));
    const { dumped, notes } = coreSegments(programs, SIZE);
    assert.deepEqual(read(dumped), read([load(0x1000, 0x400000, 0x1000), load(0x2000, 0x600000, 0x1000)]));
    assert.match(notes.join("\n"), /^8,001 segments of the core claim file bytes that another segment holds/);
  });

  it("reads each address once: a segment that overlaps a lower one is left out, whatever the order", () => {
    const lower = load(0x1000, 0x400000, 0x1000);
    const shifted = load(0x3000, 0x400008, 0x1000);
    for (const programs of [
      [lower, shifted],
      [shifted, lower],
    ]) {
      const { dumped, notes } = coreSegments(programs, SIZE);
      assert.deepEqual(dumped, [lower]);
      assert.match(notes.join("\n"), /^1 segment of the core overlaps the addresses of a lower segment/);
    }
  });

  it("finds the dumped segment of an address", () => {
    const { dumped } = coreSegments(LINUX, SIZE);
    assert.equal(dumpedSegmentAt(dumped, 0x600000 + 0x2fff)?.offset, 0x2000);
    assert.equal(dumpedSegmentAt(dumped, 0x603000), undefined);
    assert.equal(dumpedSegmentAt(dumped, 0x500000), undefined);
    assert.equal(dumpedSegmentAt(dumped, 0x3fffff), undefined);
  });
});

/** An NT_FILE descriptor of ELF64 listing `mappings` (start, end, page offset, path). */
function ntFile(mappings: ReadonlyArray<[number, number, number, string]>): Buffer {
  const head = Buffer.alloc(16 + mappings.length * 24);
  head.writeBigUInt64LE(BigInt(mappings.length), 0);
  head.writeBigUInt64LE(4096n, 8);
  for (const [index, [start, end, page]] of mappings.entries()) {
    head.writeBigUInt64LE(BigInt(start), 16 + index * 24);
    head.writeBigUInt64LE(BigInt(end), 24 + index * 24);
    head.writeBigUInt64LE(BigInt(page), 32 + index * 24);
  }
  return Buffer.concat([head, ...mappings.map(([, , , path]) => Buffer.from(`${path}\0`))]);
}

describe("fileMappingsOf", () => {
  it("keeps Linux's mappings as they are", () => {
    const { mappings, notes } = fileMappingsOf(
      ntFile([
        [0x400000, 0x401000, 0, "/usr/bin/node"],
        [0x401000, 0x500000, 1, "/usr/bin/node"],
      ]),
      true,
      true,
    );
    assert.equal(mappings.length, 2);
    assert.deepEqual(notes, []);
  });

  it("reads a mapping that repeats or overlaps another, or is empty, once", () => {
    const node: [number, number, number, string] = [0x400000, 0x401000, 0, "/usr/bin/node"];
    const { mappings, notes } = fileMappingsOf(
      ntFile([node, node, [0x400800, 0x402000, 0, "/x"], [0x500000, 0x500000, 0, "/y"], node]),
      true,
      true,
    );
    assert.deepEqual(mappings, [{ start: 0x400000, end: 0x401000, fileOffset: 0, path: "/usr/bin/node" }]);
    assert.match(notes.join("\n"), /^4 of the core's file mappings \(NT_FILE\) repeat or overlap another/);
  });

  it("reads the first 65,536 of more", () => {
    const many: Array<[number, number, number, string]> = [];
    for (let index = 0; index < MAX_FILE_MAPPINGS + 10; index++)
      many.push([0x10000000 + index * 0x1000, 0x10001000 + index * 0x1000, 0, "/lib"]);
    const { mappings, notes } = fileMappingsOf(ntFile(many), true, true);
    assert.equal(mappings.length, MAX_FILE_MAPPINGS);
    assert.match(notes.join("\n"), /lists 65,546 file mappings \(NT_FILE\).*the first 65,536 read/);
  });
});

describe("withProgramCount", () => {
  const header: ElfHeader = {
    is64: true,
    littleEndian: true,
    type: 4,
    machine: machineOf(62),
    phoff: 64,
    phentsize: 56,
    phnum: PN_XNUM,
    shoff: 4096,
    shentsize: 64,
  };
  const sectionZero = (count: number) => {
    const section = Buffer.alloc(64);
    section.writeUInt32LE(count, 44);
    return async (offset: number, length: number) =>
      offset === 4096 ? section.subarray(0, length) : Buffer.alloc(0);
  };

  it("takes the count from section header 0's sh_info past 65,534", async () => {
    assert.equal((await withProgramCount(header, sectionZero(70_000), "core")).phnum, 70_000);
  });

  it("keeps 65,535 where section header 0 is not in the file", async () => {
    const missing = async () => Buffer.alloc(0);
    assert.equal((await withProgramCount(header, missing, "core")).phnum, PN_XNUM);
  });

  it("leaves a count below PN_XNUM as it is", async () => {
    assert.equal((await withProgramCount({ ...header, phnum: 97 }, sectionZero(70_000), "core")).phnum, 97);
  });

  it("refuses a count no process has, in one line", async () => {
    await assert.rejects(
      withProgramCount(header, sectionZero(0xffffffff), "core"),
      TooManyProgramHeadersError,
    );
  });
});
