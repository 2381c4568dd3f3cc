/**
 * A zip's central directory, parsed in place from the bytes that hold it: the end record, the ZIP64 end
 * record through its locator, and one record per entry. Every offset and length is checked against the
 * buffer and the object before it is used: the bucket is untrusted input.
 */

/** Where the directory lies, from the end record (or the ZIP64 one). */
export interface DirectoryLocation {
  offset: number;
  /** Where the directory must end: the ZIP64 end record, or the end record itself. */
  end: number;
  entries: number;
}

/** One central directory record, its name left as raw bytes. */
export interface DirectoryRecord {
  name: Buffer;
  flags: number;
  compressionMethod: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  externalAttributes: number;
  localHeaderOffset: number;
}

export const END_RECORD = 0x06054b50;
const END_RECORD_SIZE = 22;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_END_RECORD = 0x06064b50;
export const ZIP64_END_RECORD_SIZE = 56;
const DIRECTORY_RECORD = 0x02014b50;
const DIRECTORY_RECORD_SIZE = 46;
export const LOCAL_HEADER_SIZE = 30;
const ZIP64_EXTRA = 0x0001;
const STRONG_ENCRYPTION = 0x40;
const ENCRYPTED = 0x01;
/** The most a comment can take, so the farthest from the end an end record can start. */
export const END_SEARCH = END_RECORD_SIZE + ZIP64_LOCATOR_SIZE + 0xffff;

/** A zip that does not parse; the message says where. */
export class DirectoryError extends Error {
  override name = "DirectoryError";
}

/**
 * The end record in `tail`, the last bytes of an object of `size` bytes: the last signature whose comment
 * length reaches exactly the end. A ZIP64 locator before it gives the offset of the ZIP64 end record, which
 * the caller reads (`zip64At`) and passes to `zip64Location`.
 */
export function findEndRecord(
  tail: Buffer,
  size: number,
): { location: DirectoryLocation } | { zip64At: number } {
  const tailStart = size - tail.length;
  for (let at = tail.length - END_RECORD_SIZE; at >= 0; at--) {
    if (tail.readUInt32LE(at) !== END_RECORD) continue;
    const commentLength = tail.readUInt16LE(at + 20);
    if (commentLength !== tail.length - at - END_RECORD_SIZE) {
      throw new DirectoryError(
        `the end record's comment is ${commentLength} bytes, but ${tail.length - at - END_RECORD_SIZE} follow it`,
      );
    }
    const recordAt = tailStart + at;
    const locatorAt = at - ZIP64_LOCATOR_SIZE;
    if (locatorAt >= 0 && tail.readUInt32LE(locatorAt) === ZIP64_LOCATOR) {
      const zip64At = readUInt64(tail, locatorAt + 8);
      if (zip64At + ZIP64_END_RECORD_SIZE > tailStart + locatorAt) {
        throw new DirectoryError(`the ZIP64 end record at ${zip64At} overlaps its locator`);
      }
      return { zip64At };
    }
    if (tail.readUInt16LE(at + 4) !== 0) throw new DirectoryError("multi-disk zips are not supported");
    return {
      location: located(tail.readUInt32LE(at + 16), recordAt, tail.readUInt16LE(at + 10)),
    };
  }
  throw new DirectoryError("no end of central directory record: not a zip, or truncated");
}

/** The directory's place from the ZIP64 end record's 56 bytes, which lie at `recordAt`. */
export function zip64Location(record: Buffer, recordAt: number): DirectoryLocation {
  if (record.length < ZIP64_END_RECORD_SIZE || record.readUInt32LE(0) !== ZIP64_END_RECORD) {
    throw new DirectoryError(`no ZIP64 end of central directory record at ${recordAt}`);
  }
  if (record.readUInt32LE(16) !== 0) throw new DirectoryError("multi-disk zips are not supported");
  return located(readUInt64(record, 48), recordAt, readUInt64(record, 32));
}

function located(offset: number, end: number, entries: number): DirectoryLocation {
  if (offset > end) throw new DirectoryError(`the directory starts at ${offset}, after its end record`);
  // A record takes 46 bytes at least: a count the span cannot hold is a lie, not a reason to loop.
  if (entries * DIRECTORY_RECORD_SIZE > end - offset) {
    throw new DirectoryError(`${entries} entries cannot fit in the directory's ${end - offset} bytes`);
  }
  return { offset, end, entries };
}

/** The records of `directory`, the bytes [location.offset, location.end) of the object. */
export function parseDirectory(directory: Buffer, entries: number): DirectoryRecord[] {
  const records: DirectoryRecord[] = [];
  let at = 0;
  for (let index = 0; index < entries; index++) {
    if (at + DIRECTORY_RECORD_SIZE > directory.length) {
      throw new DirectoryError(`entry ${index} runs past the end of the directory`);
    }
    const signature = directory.readUInt32LE(at);
    if (signature !== DIRECTORY_RECORD) {
      throw new DirectoryError(`entry ${index}: no directory record signature (0x${signature.toString(16)})`);
    }
    const flags = directory.readUInt16LE(at + 8);
    if (flags & STRONG_ENCRYPTION)
      throw new DirectoryError(`entry ${index}: strong encryption is not supported`);
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    const nameAt = at + DIRECTORY_RECORD_SIZE;
    const next = nameAt + nameLength + extraLength + commentLength;
    if (next > directory.length)
      throw new DirectoryError(`entry ${index} runs past the end of the directory`);
    const record: DirectoryRecord = {
      name: directory.subarray(nameAt, nameAt + nameLength),
      flags,
      compressionMethod: directory.readUInt16LE(at + 10),
      crc32: directory.readUInt32LE(at + 16),
      compressedSize: directory.readUInt32LE(at + 20),
      uncompressedSize: directory.readUInt32LE(at + 24),
      externalAttributes: directory.readUInt32LE(at + 38),
      localHeaderOffset: directory.readUInt32LE(at + 42),
    };
    applyZip64(record, directory.subarray(nameAt + nameLength, nameAt + nameLength + extraLength), index);
    if (record.compressionMethod === 0) {
      const expected = record.uncompressedSize + (flags & ENCRYPTED ? 12 : 0);
      if (record.compressedSize !== expected) {
        throw new DirectoryError(
          `entry ${index} is stored, yet its sizes differ: ${record.compressedSize} != ${record.uncompressedSize}`,
        );
      }
    }
    records.push(record);
    at = next;
  }
  return records;
}

/** The ZIP64 extra field holds, in order, the 64-bit values of exactly the fields that read 0xFFFFFFFF. */
function applyZip64(record: DirectoryRecord, extra: Buffer, index: number): void {
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    const dataAt = at + 4;
    if (dataAt + length > extra.length) {
      throw new DirectoryError(`entry ${index}: an extra field runs past its record`);
    }
    if (id === ZIP64_EXTRA) {
      let field = dataAt;
      const wide = (name: "uncompressedSize" | "compressedSize" | "localHeaderOffset") => {
        if (record[name] !== 0xffffffff) return;
        if (field + 8 > dataAt + length) {
          throw new DirectoryError(`entry ${index}: its ZIP64 field lacks the ${name}`);
        }
        record[name] = readUInt64(extra, field);
        field += 8;
      };
      wide("uncompressedSize");
      wide("compressedSize");
      wide("localHeaderOffset");
      return;
    }
    at = dataAt + length;
  }
}

/** A 64-bit little-endian value, refused beyond 2^53: no object of the store is that large. */
function readUInt64(bytes: Buffer, at: number): number {
  const value = bytes.readBigUInt64LE(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER))
    throw new DirectoryError(`a 64-bit offset or size is too large: ${value}`);
  return Number(value);
}

/**
 * Refuses records whose data would overlap another's or the directory: one stored entry read under many
 * names (a 16 MiB entry listed 60 times wrote a gigabyte from a zip 28 KB larger than a dump). An entry
 * takes at least its local header, its name (which must be the directory's, see RemoteZip) and its data;
 * a zip that a writer made never overlaps.
 */
export function refuseOverlaps(records: readonly DirectoryRecord[], directoryOffset: number): void {
  const order = records.map((_, index) => index);
  order.sort(
    (a, b) =>
      (records[a] as DirectoryRecord).localHeaderOffset - (records[b] as DirectoryRecord).localHeaderOffset,
  );
  for (const [position, index] of order.entries()) {
    const record = records[index] as DirectoryRecord;
    const end = record.localHeaderOffset + LOCAL_HEADER_SIZE + record.name.length + record.compressedSize;
    const nextIndex = order[position + 1];
    const next =
      nextIndex === undefined ? directoryOffset : (records[nextIndex] as DirectoryRecord).localHeaderOffset;
    if (end > next) {
      throw new DirectoryError(
        nextIndex === undefined
          ? `entry ${index} runs into the central directory (its data ends at ${end}, the directory starts at ${next})`
          : `entries ${index} and ${nextIndex} overlap at byte ${next}: one entry's data read under two names`,
      );
    }
  }
}
