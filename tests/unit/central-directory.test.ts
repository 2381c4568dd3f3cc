import assert from "node:assert/strict";
import { describe, it } from "node:test";
import yauzl from "yauzl";
import { RemoteZip, ZipFormatError } from "../../src/archive/zip-directory.js";
import { defaultSpec, readBody, zipDump } from "../support/handler-layout.js";

const END_RECORD = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const DIRECTORY_RECORD = Buffer.from([0x50, 0x4b, 0x01, 0x02]);

async function zipBytes(zip64 = false): Promise<Buffer> {
  const spec = defaultSpec({
    uuid: "36c0d272-3295-4474-a16e-00885ba04fed",
    timestamp: 1631477784,
    containers: [{ name: "app", log: "TypeError: x is not a function\n    at main (/app/server.js:3:7)\n" }],
  });
  const [object] = zipDump(spec, { zip64 });
  assert.ok(object);
  return readBody(object);
}

/** Opens `zip` from memory, counting the ranged reads. */
async function open(zip: Buffer): Promise<{ zip: RemoteZip; reads: Array<[number, number]> }> {
  const reads: Array<[number, number]> = [];
  const opened = await RemoteZip.open(async (start, end) => {
    reads.push([start, end]);
    return zip.subarray(start, end);
  }, zip.length);
  return { zip: opened, reads };
}

/** What yauzl makes of the same bytes: the yardstick. */
async function yauzlEntries(zip: Buffer) {
  const file = await yauzl.fromBufferPromise(zip, { lazyEntries: true, decodeStrings: false });
  const entries = [];
  for await (const entry of file.eachEntry()) {
    entries.push({
      name: Buffer.from(entry.fileName as unknown as Uint8Array).toString("utf8"),
      compressionMethod: entry.compressionMethod,
      compressedSize: entry.compressedSize,
      uncompressedSize: entry.uncompressedSize,
      crc32: entry.crc32,
      localHeaderOffset: entry.relativeOffsetOfLocalHeader,
      isSymlink: ((entry.externalFileAttributes >>> 16) & 0o170000) === 0o120000,
    });
  }
  return entries;
}

/** A copy of `bytes` changed by `write`. */
function patched(bytes: Buffer, write: (copy: Buffer) => void): Buffer {
  const copy = Buffer.from(bytes);
  write(copy);
  return copy;
}

async function assertCorrupt(zip: Buffer, message?: RegExp): Promise<void> {
  await assert.rejects(open(zip), (error: unknown) => {
    assert.ok(error instanceof ZipFormatError, String(error));
    if (message) assert.match(error.message, message);
    return true;
  });
}

describe("a zip's central directory, parsed from the tail", () => {
  for (const zip64 of [false, true]) {
    it(`finds what yauzl finds${zip64 ? " (ZIP64)" : ""}, in one read, and its entries read back`, async () => {
      const bytes = await zipBytes(zip64);
      const { zip, reads } = await open(bytes);
      assert.deepEqual(zip.entries, await yauzlEntries(bytes));
      assert.ok(zip.entries.length >= 5, zip.entries.map((entry) => entry.name).join(", "));
      const log = zip.entries.find((entry) => entry.name.endsWith(".log"));
      assert.ok(log);
      assert.match((await zip.readEntry(log)).toString(), /TypeError: x is not a function/);
      // The stream path (yauzl's, opened lazily) agrees with the in-place read, with no new request.
      const chunks: Buffer[] = [];
      for await (const chunk of await zip.openEntry(log)) chunks.push(chunk as Buffer);
      assert.deepEqual(Buffer.concat(chunks), await zip.readEntry(log));
      assert.equal(reads.length, 1);
    });
  }

  it("takes a comment after the end record, and refuses bytes appended after it", async () => {
    const bytes = await zipBytes();
    const end = bytes.lastIndexOf(END_RECORD);
    const comment = Buffer.from("made by a test");
    const commented = Buffer.concat([bytes, comment]);
    commented.writeUInt16LE(comment.length, end + 20);
    assert.deepEqual((await open(commented)).zip.entries, await yauzlEntries(bytes));
    await assertCorrupt(Buffer.concat([bytes, comment]), /comment/);
  });

  it("says corrupt, never crashes or hangs, on a lying directory", async () => {
    const bytes = await zipBytes();
    const end = bytes.lastIndexOf(END_RECORD);
    const first = bytes.indexOf(DIRECTORY_RECORD);
    await assertCorrupt(bytes.subarray(0, bytes.length - 10), /end of central directory/);
    await assertCorrupt(Buffer.from("not a zip at all"), /end of central directory/);
    await assertCorrupt(
      patched(bytes, (copy) => copy.writeUInt16LE(0xfff0, end + 10)),
      /cannot fit/,
    );
    await assertCorrupt(
      patched(bytes, (copy) => copy.writeUInt32LE(bytes.length, end + 16)),
      /after its end/,
    );
    await assertCorrupt(
      patched(bytes, (copy) => copy.writeUInt16LE(1, end + 4)),
      /multi-disk/,
    );
    await assertCorrupt(
      patched(bytes, (copy) => copy.writeUInt32LE(0x12345678, first)),
      /signature/,
    );
    await assertCorrupt(
      patched(bytes, (copy) => copy.writeUInt16LE(0xffff, first + 28)),
      /runs past/,
    );
    await assertCorrupt(
      patched(bytes, (copy) => copy.writeUInt16LE(0x40, first + 8)),
      /strong encryption/,
    );
    await assertCorrupt(
      patched(bytes, (copy) => copy.writeUInt32LE(0xf0000000, first + 20)),
      /past the object/,
    );
    await assertCorrupt(
      patched(bytes, (copy) => copy.writeUInt32LE(0xffffffff, first + 42)),
      /past the object/,
    );
  });

  it("refuses records whose data overlap (one entry listed under many names)", async () => {
    const bytes = await zipBytes();
    const first = bytes.indexOf(DIRECTORY_RECORD);
    const second = bytes.indexOf(DIRECTORY_RECORD, first + 4);
    const firstOffset = bytes.readUInt32LE(first + 42);
    await assertCorrupt(
      patched(bytes, (copy) => copy.writeUInt32LE(firstOffset, second + 42)),
      /overlap/,
    );
    const directoryStart = bytes.readUInt32LE(bytes.lastIndexOf(END_RECORD) + 16);
    await assertCorrupt(
      patched(bytes, (copy) => copy.writeUInt32LE(directoryStart - 31, first + 42)),
      /overlap|runs into the central directory/,
    );
  });

  it("refuses to read an entry whose local header names another", async () => {
    const bytes = await zipBytes();
    const first = bytes.indexOf(DIRECTORY_RECORD);
    const nameLength = bytes.readUInt16LE(first + 28);
    // The directory's copy of the name is changed in its last byte: the local header keeps the original.
    const changed = patched(bytes, (copy) => {
      const at = first + 46 + nameLength - 1;
      copy[at] = (copy[at] as number) ^ 0x01;
    });
    const { zip } = await open(changed);
    const entry = zip.entries[0];
    assert.ok(entry);
    await assert.rejects(zip.readEntry(entry), /its local header/);
    await assert.rejects(zip.dataOffset(entry), /its local header/);
  });

  it("says corrupt on a ZIP64 record that lies", async () => {
    const bytes = await zipBytes(true);
    const locator = bytes.lastIndexOf(END_RECORD) - 20;
    const record = Number(bytes.readBigUInt64LE(locator + 8));
    await assertCorrupt(
      patched(bytes, (copy) => copy.writeUInt32LE(0, record)),
      /ZIP64 end/,
    );
    await assertCorrupt(
      patched(bytes, (copy) => copy.writeBigUInt64LE(2n ** 60n, locator + 8)),
      /too large|overlaps/,
    );
    await assertCorrupt(
      patched(bytes, (copy) => copy.writeBigUInt64LE(BigInt(bytes.length), record + 48)),
      /after/,
    );
    await assertCorrupt(
      patched(bytes, (copy) => copy.writeBigUInt64LE(2n ** 40n, record + 32)),
      /cannot fit/,
    );
  });

  it("never throws anything but ZipFormatError, whatever byte of the directory is changed", async () => {
    const bytes = await zipBytes(true);
    const start = bytes.indexOf(DIRECTORY_RECORD);
    for (let at = start; at < bytes.length; at++) {
      for (const value of [0x00, 0xff, (bytes[at] ?? 0) ^ 0x80]) {
        const changed = patched(bytes, (copy) => {
          copy[at] = value;
        });
        try {
          const { zip } = await open(changed);
          for (const entry of zip.entries)
            assert.ok(entry.localHeaderOffset + 30 + entry.compressedSize <= changed.length);
        } catch (error) {
          assert.ok(error instanceof ZipFormatError, `byte ${at} = ${value}: ${String(error)}`);
        }
      }
    }
  });
});
