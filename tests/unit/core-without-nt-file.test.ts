/**
 * A core as qemu-user writes it (no NT_FILE, the executable's text segment with file size 0, its data and
 * the stack dumped), made of plain bytes: the executable comes from the auxiliary vector, without a
 * build-id, and its data is compared with an executable file's.
 */
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { compareExecutableData, machineLabel, readCoreSummary } from "../../src/elf/index.js";
import { machineOf } from "../../src/elf/machine.js";
import { NT_AUXV, NT_PRPSINFO } from "../../src/elf/notes.js";
import { note } from "../support/elf-note-bytes.js";

const AARCH64 = 183;
const TEXT = 0x400000;
const DATA = 0x401000;
const STACK = 0x7f0000;
const EXE_PATH = "/usr/local/bin/node";

function words(values: readonly number[]): Buffer {
  const buffer = Buffer.alloc(values.length * 8);
  values.forEach((value, index) => {
    buffer.writeBigUInt64LE(BigInt(value), index * 8);
  });
  return buffer;
}

type Segment = { type: number; flags: number; vaddr: number; memsz: number; bytes: Buffer };

/** An ELF64 little-endian file of `type` for aarch64 with these segments, their bytes after the headers. */
function elf(type: number, segments: readonly Segment[]): Buffer {
  const header = Buffer.alloc(64);
  header.write("\x7fELF", 0, "latin1");
  header[4] = 2;
  header[5] = 1;
  header[6] = 1;
  header.writeUInt16LE(type, 16);
  header.writeUInt16LE(AARCH64, 18);
  header.writeBigUInt64LE(64n, 32);
  header.writeUInt16LE(56, 54);
  header.writeUInt16LE(segments.length, 56);
  const table = Buffer.alloc(56 * segments.length);
  let offset = 64 + table.length;
  segments.forEach((segment, index) => {
    const at = index * 56;
    table.writeUInt32LE(segment.type, at);
    table.writeUInt32LE(segment.flags, at + 4);
    table.writeBigUInt64LE(BigInt(offset), at + 8);
    table.writeBigUInt64LE(BigInt(segment.vaddr), at + 16);
    table.writeBigUInt64LE(BigInt(segment.bytes.length), at + 32);
    table.writeBigUInt64LE(BigInt(segment.memsz), at + 40);
    offset += segment.bytes.length;
  });
  return Buffer.concat([header, table, ...segments.map((segment) => segment.bytes)]);
}

/** The executable's initialised data: no zero byte, so that every byte counts. */
function dataBytes(seed: number): Buffer {
  return Buffer.from(Array.from({ length: 256 }, (_, index) => ((index * 7 + seed) % 255) + 1));
}

function qemuCore(data: Buffer): Buffer {
  const status = Buffer.alloc(392);
  status.writeUInt16LE(5, 12);
  const prpsinfo = Buffer.alloc(136);
  prpsinfo.write("node", 136 - 96);
  prpsinfo.write(`${EXE_PATH} app.js`, 136 - 80);
  const auxv = words([3, TEXT + 0x40, 9, TEXT + 0x100, 31, STACK + 0x10, 0, 0]);
  const notes = Buffer.concat([
    note("CORE", 1, status),
    note("CORE", NT_PRPSINFO, prpsinfo),
    note("CORE", NT_AUXV, auxv),
  ]);
  const stack = Buffer.alloc(0x100);
  stack.write(`${EXE_PATH}\0`, 0x10);
  return elf(4, [
    { type: 4, flags: 0, vaddr: 0, memsz: 0, bytes: notes },
    { type: 1, flags: 5, vaddr: TEXT, memsz: 0x1000, bytes: Buffer.alloc(0) },
    { type: 1, flags: 6, vaddr: DATA, memsz: 0x1000, bytes: data },
    { type: 1, flags: 6, vaddr: STACK, memsz: 0x100, bytes: stack },
  ]);
}

/** A fixed-address executable (ET_EXEC) whose writable segment holds `data` at DATA. */
function executable(data: Buffer): Buffer {
  return elf(2, [
    { type: 6, flags: 4, vaddr: TEXT + 0x40, memsz: 0x70, bytes: Buffer.alloc(0) },
    { type: 1, flags: 6, vaddr: DATA, memsz: 0x200, bytes: data },
  ]);
}

async function written(name: string, bytes: Buffer): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), "coredump-qemu-core-"));
  const file = path.join(folder, name);
  await writeFile(file, bytes);
  return file;
}

describe("a core without NT_FILE (qemu-user's)", () => {
  it("finds the executable through AT_PHDR and names it by AT_EXECFN, with no build-id", async () => {
    const summary = await readCoreSummary(await written("core", qemuCore(dataBytes(1))), {
      nodeVersion: false,
    });
    assert.equal(summary.machine.name, "aarch64");
    assert.equal(summary.hasFileNote, false);
    assert.deepEqual(summary.executable, { path: EXE_PATH, start: TEXT, end: TEXT + 0x1000 });
    assert.equal(summary.programHeaders, TEXT + 0x40);
    assert.deepEqual(summary.modules, [summary.executable]);
    assert.equal(summary.fault?.signal, 5);
  });

  it("compares the executable's data with the core's copy: most bytes for the build that ran, few for another", async () => {
    const data = dataBytes(1);
    const inCore = Buffer.from(data);
    for (let index = 0; index < 16; index++) inCore[index * 16] = 0xee; // what the process wrote
    const core = await written("core", qemuCore(inCore));
    const same = await compareExecutableData(core, await written("node", executable(data)), TEXT + 0x40);
    assert.equal(same.compared, 256);
    assert.ok(same.same >= 240 && same.same < 256, `${same.same}`);
    const other = await compareExecutableData(
      core,
      await written("node", executable(dataBytes(100))),
      TEXT + 0x40,
    );
    assert.equal(other.compared, 256);
    assert.ok(other.same < 40, `${other.same}`);
  });

  it("names machines as the kernel and as OCI do", () => {
    assert.equal(machineLabel(machineOf(AARCH64)), "aarch64 (arm64)");
    assert.equal(machineLabel(machineOf(62)), "x86_64 (amd64)");
  });
});
