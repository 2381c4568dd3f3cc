import { Readable } from "node:stream";
import { buffer as readAll } from "node:stream/consumers";
import { crc32, inflateRawSync } from "node:zlib";
import yauzl from "yauzl";
import { ExpectedError } from "../errors.js";
import { BlockCache, type RangeReader } from "./block-cache.js";
import {
  DirectoryError,
  type DirectoryRecord,
  END_SEARCH,
  findEndRecord,
  LOCAL_HEADER_SIZE,
  parseDirectory,
  refuseOverlaps,
  ZIP64_END_RECORD_SIZE,
  zip64Location,
} from "./central-directory.js";
import { type StreamTail, tailOf } from "./stream-tail.js";

/** One entry of a zip's central directory: where its bytes are, and what they should become. */
export interface ZipEntry {
  name: string;
  compressionMethod: number;
  compressedSize: number;
  uncompressedSize: number;
  crc32: number;
  localHeaderOffset: number;
  /** A symbolic link, by its Unix mode: never to be written out. */
  isSymlink: boolean;
}

export const STORED = 0;
export const DEFLATED = 8;
const LOCAL_HEADER = 0x04034b50;

export class ZipFormatError extends ExpectedError {
  override name = "ZipFormatError";
}

/**
 * An entry whose data would end past the end of the object (a ZIP64 size that lies, 0xFFFFFFFF with no
 * ZIP64 field) makes the zip corrupt: reading it would ask the store for bytes that do not exist.
 */
function checkWithin(entry: ZipEntry, size: number): void {
  const end = entry.localHeaderOffset + 30 + entry.compressedSize;
  if (end > size) {
    throw new ZipFormatError(
      `corrupt zip: entry ${entry.name} says it ends at byte ${end}, past the object's ${size} bytes`,
    );
  }
}

/**
 * Entries up to this size are inflated in one call from the block cache: a listing reads thousands of
 * small JSON and log entries, and a stream per entry (yauzl's) costs more than the inflating.
 */
const SMALL_ENTRY = 1024 * 1024;

/** Reads a zip's central directory (ZIP64 included) through ranged reads: the entries' data is not touched. */
export class RemoteZip {
  private streaming?: Promise<{ zip: yauzl.ZipFile; entries: yauzl.Entry[] }>;

  private constructor(
    readonly entries: ZipEntry[],
    private readonly reads: { failure?: unknown },
    /** Every read of the object, the directory's and the entries', goes through it. */
    private readonly cache: BlockCache,
    /** Bytes [start, end) of the object: from the tail where it holds them, else through the block cache. */
    private readonly bytes: (start: number, end: number) => Promise<Buffer>,
    /** Where the tail read first begins: the directory and, in a dump, every entry after the core lie after it. */
    private readonly tailStart: number,
    private readonly size: number,
  ) {}

  /**
   * One read of the tail finds the end record, and the directory is parsed in place from it; only a
   * directory larger than the tail costs another read. A listing opens thousands of zips: a stream per
   * field read (yauzl's way) cost more CPU than the requests.
   */
  static async open(readRange: RangeReader, size: number): Promise<RemoteZip> {
    // A failed read (denied, gone) is the store's error, not a sign of a corrupt zip: it passes unchanged.
    const reads: { failure?: unknown } = {};
    const cache = new BlockCache(
      (start, end) =>
        readRange(start, end).catch((error: unknown) => {
          reads.failure = error;
          throw error;
        }),
      size,
    );
    const tailStart = Math.max(0, size - END_SEARCH);
    let entries: ZipEntry[];
    let records: DirectoryRecord[];
    let directoryOffset: number;
    let bytes: (start: number, end: number) => Promise<Buffer>;
    try {
      const tail = await cache.read(tailStart, size);
      if (tail.length !== size - tailStart) throw new DirectoryError("the object is shorter than listed");
      bytes = async (start, end) =>
        start >= tailStart && end <= size
          ? tail.subarray(start - tailStart, end - tailStart)
          : cache.read(start, end);
      const end = findEndRecord(tail, size);
      const location =
        "location" in end
          ? end.location
          : zip64Location(await bytes(end.zip64At, end.zip64At + ZIP64_END_RECORD_SIZE), end.zip64At);
      const directory = await bytes(location.offset, location.end);
      records = parseDirectory(directory, location.entries);
      directoryOffset = location.offset;
      entries = records.map((record) => {
        const entry = toEntry(record);
        rawNames.set(entry, record.name);
        return entry;
      });
    } catch (error) {
      throw (
        reads.failure ??
        new ZipFormatError(`not a readable zip: ${(error as Error).message}`, { cause: error })
      );
    }
    for (const entry of entries) checkWithin(entry, size);
    try {
      refuseOverlaps(records, directoryOffset);
    } catch (error) {
      throw new ZipFormatError(`corrupt zip: ${(error as Error).message}`, { cause: error });
    }
    return new RemoteZip(entries, reads, cache, bytes, tailStart, size);
  }

  /**
   * Where an entry's compressed bytes begin: after its local header, whose name and extra lengths vary.
   * The header is read through the directory's blocks, so a header near data already read costs nothing.
   */
  async dataOffset(entry: ZipEntry): Promise<number> {
    const name = rawNames.get(entry) ?? Buffer.from(entry.name);
    const at = entry.localHeaderOffset;
    const header = await this.bytes(at, Math.min(this.size, at + LOCAL_HEADER_SIZE + name.length));
    if (header.length < LOCAL_HEADER_SIZE || header.readUInt32LE(0) !== LOCAL_HEADER) {
      throw new ZipFormatError(`${entry.name}: no local header at offset ${at}`);
    }
    // The local header must name the entry as the directory does: a directory that lists one entry's
    // bytes under other names is a bomb, not a zip a writer made.
    const local = header.subarray(LOCAL_HEADER_SIZE);
    if (header.readUInt16LE(26) !== name.length || !local.equals(name)) {
      throw new ZipFormatError(
        `corrupt zip: the directory names an entry ${entry.name}, its local header ${local.toString("utf8")}`,
      );
    }
    return at + LOCAL_HEADER_SIZE + header.readUInt16LE(26) + header.readUInt16LE(28);
  }

  private async readSmallEntry(entry: ZipEntry): Promise<Buffer> {
    const start = await this.dataOffset(entry);
    const stored = await this.bytes(start, start + entry.compressedSize);
    let bytes: Buffer;
    try {
      bytes = entry.compressionMethod === STORED ? stored : inflateRawSync(stored);
    } catch (error) {
      throw new ZipFormatError(`${entry.name}: ${(error as Error).message}`, { cause: error });
    }
    if (bytes.length !== entry.uncompressedSize || crc32(bytes) !== entry.crc32) {
      throw new ZipFormatError(`${entry.name}: its size or CRC does not match the zip's directory`);
    }
    return bytes;
  }

  /**
   * Reads bytes [start, end) into the block cache in one request where they are not there yet, so that the
   * entries in that span are then read without further requests.
   */
  async prefetch(start: number, end: number): Promise<void> {
    if (start < this.tailStart) await this.cache.read(start, end);
  }

  /** The whole content of a small entry, inflated. */
  async readEntry(entry: ZipEntry): Promise<Buffer> {
    checkMethod(entry);
    if (entry.uncompressedSize <= SMALL_ENTRY) return this.guarded(entry, () => this.readSmallEntry(entry));
    return this.guarded(entry, async () => readAll(await this.openEntry(entry)));
  }

  /**
   * An entry's content, inflated, as a stream. yauzl stops it with an error as soon as it yields more
   * bytes than the directory declares, so a lying size cannot make it run on.
   */
  async openEntry(entry: ZipEntry): Promise<Readable> {
    const index = this.entries.indexOf(entry);
    if (index < 0) throw new Error(`${entry.name} is not an entry of this zip`);
    checkMethod(entry);
    return this.guarded(entry, async () => {
      await this.dataOffset(entry);
      const { zip, entries } = await this.streamingZip();
      const raw = entries[index];
      if (!raw) throw new ZipFormatError(`${entry.name}: yauzl read fewer entries than the directory holds`);
      return zip.openReadStreamPromise(raw);
    });
  }

  /**
   * yauzl, for streaming an entry of any size with its checks: opened only when a stream is asked for,
   * reading the directory again through the block cache (no new request).
   */
  private streamingZip(): Promise<{ zip: yauzl.ZipFile; entries: yauzl.Entry[] }> {
    this.streaming ??= (async () => {
      const cache = this.cache;
      const reader = new (class extends yauzl.RandomAccessReader {
        override _readStreamForRange(start: number, end: number): Readable {
          return Readable.from(
            (async function* () {
              yield await cache.read(start, end);
            })(),
          );
        }
      })();
      // Names stay raw bytes: yauzl would reject the whole archive over one unsafe name, and the
      // catalog must still list such a dump.
      const zip = await yauzl.fromRandomAccessReaderPromise(reader, this.size, {
        decodeStrings: false,
        autoClose: false,
      });
      const entries: yauzl.Entry[] = [];
      for await (const entry of zip.eachEntry()) entries.push(entry);
      return { zip, entries };
    })();
    return this.streaming;
  }

  /** The last `maxBytes` of an entry, inflated as a stream: a log of any length in bounded memory. */
  async readEntryTail(entry: ZipEntry, maxBytes: number): Promise<StreamTail> {
    return this.guarded(entry, async () => tailOf(await this.openEntry(entry), maxBytes));
  }

  /** Runs a read of the entry; a failure is the store's when a read failed, else the zip's. */
  private async guarded<T>(entry: ZipEntry, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof ZipFormatError) throw error;
      throw (
        this.reads.failure ??
        new ZipFormatError(`${entry.name}: ${(error as Error).message}`, { cause: error })
      );
    }
  }
}

/** Each entry's name as the directory's bytes give it, to check against its local header. */
const rawNames = new WeakMap<ZipEntry, Buffer>();

function toEntry(record: DirectoryRecord): ZipEntry {
  return {
    name: record.name.toString("utf8"),
    compressionMethod: record.compressionMethod,
    compressedSize: record.compressedSize,
    uncompressedSize: record.uncompressedSize,
    crc32: record.crc32,
    localHeaderOffset: record.localHeaderOffset,
    isSymlink: ((record.externalAttributes >>> 16) & 0o170000) === 0o120000,
  };
}

function checkMethod(entry: ZipEntry): void {
  if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED) {
    throw new ZipFormatError(`${entry.name}: compression method ${entry.compressionMethod} is not supported`);
  }
}
