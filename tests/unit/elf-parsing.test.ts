import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AT_ENTRY, AT_PHDR, parseAuxv } from "../../src/elf/auxv.js";
import { ET_DYN, NotElfError, parseElfHeader } from "../../src/elf/elf-header.js";
import { elfIdentityFromPrefix } from "../../src/elf/elf-identity.js";
import { machineOf } from "../../src/elf/machine.js";
import { nodeVersionIn } from "../../src/elf/node-version.js";
import { buildIdOf, NT_FILE, parseNotes } from "../../src/elf/notes.js";
import { parseNtFile } from "../../src/elf/nt-file.js";
import { parsePrpsinfo } from "../../src/elf/prpsinfo.js";
import { note } from "../support/elf-note-bytes.js";

function words(values: readonly (number | bigint)[]): Buffer {
  const buffer = Buffer.alloc(values.length * 8);
  values.forEach((value, index) => {
    buffer.writeBigUInt64LE(BigInt(value), index * 8);
  });
  return buffer;
}

/** A minimal little-endian ELF64 shared object: header, one PT_LOAD, one PT_NOTE holding a build-id. */
function tinyElf(buildId: Buffer, machine = 183): Buffer {
  const header = Buffer.alloc(64);
  header.write("\x7fELF", 0, "latin1");
  header[4] = 2;
  header[5] = 1;
  header[6] = 1;
  header.writeUInt16LE(ET_DYN, 16);
  header.writeUInt16LE(machine, 18);
  header.writeBigUInt64LE(64n, 32);
  header.writeUInt16LE(56, 54);
  header.writeUInt16LE(2, 56);
  const notes = note("GNU", 3, buildId);
  const notesAt = 64 + 2 * 56;
  const programs = Buffer.alloc(2 * 56);
  programs.writeUInt32LE(1, 0);
  programs.writeBigUInt64LE(0n, 8);
  programs.writeBigUInt64LE(0n, 16);
  programs.writeBigUInt64LE(0x3000n, 32);
  programs.writeBigUInt64LE(0x5000n, 40);
  programs.writeUInt32LE(4, 56);
  programs.writeBigUInt64LE(BigInt(notesAt), 56 + 8);
  programs.writeBigUInt64LE(BigInt(notes.length), 56 + 32);
  return Buffer.concat([header, programs, notes]);
}

describe("ELF notes", () => {
  it("walks notes with padded names and descriptors, and finds the GNU build-id", () => {
    const id = Buffer.from("bdc3f4212a228d03a64d92f350b4a3acf92ff96c", "hex");
    const segment = Buffer.concat([note("CORE", 1, Buffer.alloc(5, 1)), note("GNU", 3, id)]);
    const notes = parseNotes(segment, true);
    assert.deepEqual(
      notes.map((entry) => [entry.name, entry.type, entry.desc.length]),
      [
        ["CORE", 1, 5],
        ["GNU", 3, 20],
      ],
    );
    assert.equal(buildIdOf(notes), "bdc3f4212a228d03a64d92f350b4a3acf92ff96c");
  });

  it("ignores a truncated last note and a build-id of another owner", () => {
    const whole = note("Go", 3, Buffer.alloc(4, 7));
    const cut = note("GNU", 3, Buffer.alloc(20, 9)).subarray(0, 20);
    const notes = parseNotes(Buffer.concat([whole, cut]), true);
    assert.equal(notes.length, 1);
    assert.equal(buildIdOf(notes), undefined);
  });

  it("decodes NT_FILE: ranges, offsets in pages, and the paths in order", () => {
    const desc = Buffer.concat([
      words([2, 4096, 0x400000, 0xb6f000, 0, 0xb72000, 0x25fe000, 0x772]),
      Buffer.from("/usr/local/bin/node\0/usr/local/bin/node\0"),
    ]);
    assert.deepEqual(parseNtFile(desc, true, true), [
      { start: 0x400000, end: 0xb6f000, fileOffset: 0, path: "/usr/local/bin/node" },
      { start: 0xb72000, end: 0x25fe000, fileOffset: 0x772000, path: "/usr/local/bin/node" },
    ]);
    assert.equal(NT_FILE, 0x46494c45);
  });

  it("reads fname and psargs from the end of NT_PRPSINFO, whatever the width of the fields before", () => {
    for (const size of [136, 124]) {
      const desc = Buffer.alloc(size);
      desc.write("node", size - 96);
      desc.write("node --abort-on-uncaught-exception server.js ", size - 80);
      assert.deepEqual(parsePrpsinfo(desc), {
        fname: "node",
        psargs: "node --abort-on-uncaught-exception server.js",
      });
    }
    assert.equal(parsePrpsinfo(Buffer.alloc(40)), undefined);
  });

  it("reads the auxiliary vector up to AT_NULL", () => {
    const auxv = parseAuxv(words([AT_PHDR, 0x400040, AT_ENTRY, 0xbb8330, 0, 0, 99, 1]), true, true);
    assert.equal(auxv.get(AT_PHDR), 0x400040);
    assert.equal(auxv.get(AT_ENTRY), 0xbb8330);
    assert.equal(auxv.has(99), false);
  });
});

describe("ELF headers", () => {
  it("names machines as the kernel and OCI do", () => {
    assert.deepEqual(machineOf(62), { code: 62, name: "x86_64", ociArchitecture: "amd64" });
    assert.deepEqual(machineOf(183), { code: 183, name: "aarch64", ociArchitecture: "arm64" });
    assert.equal(machineOf(9999).name, "machine-9999");
  });

  it("reads machine, build-id and load span from the first bytes of a file", () => {
    const identity = elfIdentityFromPrefix(tinyElf(Buffer.from("0123456789abcdef0123", "hex")), "tiny");
    assert.equal(identity.header.machine.name, "aarch64");
    assert.equal(identity.header.type, ET_DYN);
    assert.equal(identity.buildId, "0123456789abcdef0123");
    assert.equal(identity.loadSpan, 0x5000);
  });

  it("has no build-id when the note lies past the bytes at hand, and rejects what is not ELF", () => {
    const elf = tinyElf(Buffer.alloc(20, 1));
    assert.equal(elfIdentityFromPrefix(elf.subarray(0, 64 + 112 + 10), "cut").buildId, undefined);
    assert.throws(() => parseElfHeader(Buffer.from("#!/bin/sh\nexec node\n"), "wrapper.sh"), NotElfError);
    assert.throws(() => parseElfHeader(Buffer.from("\x7fELF"), "short"), /short is not an ELF file/);
  });

  it("finds the Node release URL in memory, only with matching versions", () => {
    const heap = Buffer.from("xx https://nodejs.org/download/release/v18.20.4/node-v18.20.4.tar.gz yy");
    assert.equal(nodeVersionIn(heap), "18.20.4");
    assert.equal(nodeVersionIn(Buffer.from("release/v18.20.4/node-v20.1.0")), undefined);
    assert.equal(nodeVersionIn(Buffer.alloc(100)), undefined);
  });
});
