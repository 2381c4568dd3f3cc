/**
 * A dump zip whose log entry inflates to gigabytes from a zip of a few megabytes, written in a second:
 * the log's deflate stream is one compressed mebibyte of log lines repeated (each copy ends on a full
 * flush, so it stands alone), then a final block with the last line. Every entry is ZIP64, so the log
 * may pass 4 GiB; sizes and CRCs are the true ones, as a well-formed bomb has them.
 */

import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { constants, crc32, deflateRawSync } from "node:zlib";
import type { NamedBytes } from "./hostile-dump.js";

const MIB = 1024 * 1024;
export const BOMB_LAST_LINE = "the last line of the log\n";

/** More of a bomb: other entries like it, and other names for it. */
export interface BombOptions {
  /** Further entries of the same content, each with its own local header and data, under these names. */
  copies?: readonly string[];
  /** Further central directory records that point at the last bomb's own bytes, under these names. */
  aliases?: readonly string[];
}

/**
 * Writes `file`: `entries` stored as they are, then `<logName>` (and `copies`) inflating to `mebibytes` MiB
 * and a line.
 */
export async function writeZipBomb(
  file: string,
  entries: readonly NamedBytes[],
  logName: string,
  mebibytes: number,
  options: BombOptions = {},
): Promise<void> {
  const line = `${"spam ".repeat(11)}and eggs\n`; // 64 bytes: a mebibyte holds 16384 of them
  const plainBlock = Buffer.from(line.repeat(MIB / line.length));
  const block = deflateRawSync(plainBlock, { finishFlush: constants.Z_FULL_FLUSH });
  const last = deflateRawSync(Buffer.from(BOMB_LAST_LINE));
  let crc = 0;
  for (let i = 0; i < mebibytes; i++) crc = crc32(plainBlock, crc);
  crc = crc32(BOMB_LAST_LINE, crc);

  const out = createWriteStream(file, { mode: 0o600 });
  let offset = 0;
  const write = async (bytes: Buffer) => {
    offset += bytes.length;
    if (!out.write(bytes)) await once(out, "drain");
  };
  const central: Buffer[] = [];
  let lastOffset = 0;
  const add = async (
    name: string,
    method: number,
    crcValue: number,
    size: number,
    body: () => AsyncIterable<Buffer>,
    compressed: number,
  ) => {
    const header = headers(name, method, crcValue, size, compressed, offset);
    lastOffset = offset;
    central.push(header.central);
    await write(header.local);
    for await (const piece of body()) await write(piece);
  };
  for (const entry of entries) {
    await add(
      entry.name,
      0,
      crc32(entry.data),
      entry.data.length,
      async function* () {
        yield entry.data;
      },
      entry.data.length,
    );
  }
  const bombSize = mebibytes * plainBlock.length + BOMB_LAST_LINE.length;
  const bombCompressed = mebibytes * block.length + last.length;
  for (const name of [...(options.copies ?? []), logName]) {
    await add(
      name,
      8,
      crc,
      bombSize,
      async function* () {
        for (let i = 0; i < mebibytes; i++) yield block;
        yield last;
      },
      bombCompressed,
    );
  }
  for (const alias of options.aliases ?? [])
    central.push(headers(alias, 8, crc, bombSize, bombCompressed, lastOffset).central);
  const directoryStart = offset;
  for (const record of central) await write(record);
  await write(endRecords(central.length, offset - directoryStart, directoryStart, offset));
  out.end();
  await once(out, "finish");
}

function headers(
  name: string,
  method: number,
  crc: number,
  size: number,
  compressed: number,
  offset: number,
) {
  const nameBytes = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(45, 4);
  local.writeUInt16LE(method, 8);
  local.writeUInt16LE(0x21, 12); // 1980-01-01
  local.writeUInt32LE(crc >>> 0, 14);
  local.writeUInt32LE(0xffffffff, 18);
  local.writeUInt32LE(0xffffffff, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  local.writeUInt16LE(20, 28);
  const localExtra = zip64Extra([size, compressed]);

  const record = Buffer.alloc(46);
  record.writeUInt32LE(0x02014b50, 0);
  record.writeUInt16LE((3 << 8) | 45, 4);
  record.writeUInt16LE(45, 6);
  record.writeUInt16LE(method, 10);
  record.writeUInt16LE(0x21, 14);
  record.writeUInt32LE(crc >>> 0, 16);
  record.writeUInt32LE(0xffffffff, 20);
  record.writeUInt32LE(0xffffffff, 24);
  record.writeUInt16LE(nameBytes.length, 28);
  record.writeUInt16LE(28, 30);
  record.writeUInt32LE((0o100444 << 16) >>> 0, 38);
  record.writeUInt32LE(0xffffffff, 42);
  const extra = zip64Extra([size, compressed, offset]);
  return {
    local: Buffer.concat([local, nameBytes, localExtra]),
    central: Buffer.concat([record, nameBytes, extra]),
  };
}

/** The ZIP64 extended information field (id 1): the 64-bit values of the fields set to 0xFFFFFFFF. */
function zip64Extra(values: readonly number[]): Buffer {
  const field = Buffer.alloc(4 + 8 * values.length);
  field.writeUInt16LE(1, 0);
  field.writeUInt16LE(8 * values.length, 2);
  for (const [index, value] of values.entries()) field.writeBigUInt64LE(BigInt(value), 4 + 8 * index);
  return field;
}

function endRecords(count: number, directorySize: number, directoryStart: number, zip64End: number): Buffer {
  const zip64 = Buffer.alloc(56);
  zip64.writeUInt32LE(0x06064b50, 0);
  zip64.writeBigUInt64LE(44n, 4);
  zip64.writeUInt16LE((3 << 8) | 45, 12);
  zip64.writeUInt16LE(45, 14);
  zip64.writeBigUInt64LE(BigInt(count), 24);
  zip64.writeBigUInt64LE(BigInt(count), 32);
  zip64.writeBigUInt64LE(BigInt(directorySize), 40);
  zip64.writeBigUInt64LE(BigInt(directoryStart), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(zip64End), 8);
  locator.writeUInt32LE(1, 16);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0xffff, 8);
  end.writeUInt16LE(0xffff, 10);
  end.writeUInt32LE(0xffffffff, 12);
  end.writeUInt32LE(0xffffffff, 16);
  return Buffer.concat([zip64, locator, end]);
}
