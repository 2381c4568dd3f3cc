import { Readable } from "node:stream";
import { buffer as readAll } from "node:stream/consumers";
import { crc32, inflateRawSync } from "node:zlib";
import yauzl from "yauzl";
import { ExpectedError } from "../errors.js";
import { BlockCache, type RangeReader } from "./block-cache.js";
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
  private constructor(
    private readonly zip: yauzl.ZipFile,
    readonly entries: ZipEntry[],
    private readonly raw: Map<ZipEntry, yauzl.Entry>,
    private readonly reads: { failure?: unknown },
    /** Every read of the object, the directory's and the entries', goes through it. */
    private readonly cache: BlockCache,
  ) {}

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
    const reader = new (class extends yauzl.RandomAccessReader {
      override _readStreamForRange(start: number, end: number): Readable {
        return Readable.from(
          (async function* () {
            yield await cache.read(start, end);
          })(),
        );
      }
    })();
    let zip: yauzl.ZipFile;
    try {
      // Names stay raw bytes: yauzl would reject the whole archive over one unsafe name, and the
      // catalog must still list such a dump.
      zip = await yauzl.fromRandomAccessReaderPromise(reader, size, {
        decodeStrings: false,
        autoClose: false,
      });
    } catch (error) {
      throw (
        reads.failure ??
        new ZipFormatError(`not a readable zip: ${(error as Error).message}`, { cause: error })
      );
    }
    const entries: ZipEntry[] = [];
    const raw = new Map<ZipEntry, yauzl.Entry>();
    try {
      for await (const entry of zip.eachEntry()) {
        const summary: ZipEntry = {
          name: Buffer.from(entry.fileName as unknown as Uint8Array).toString("utf8"),
          compressionMethod: entry.compressionMethod,
          compressedSize: entry.compressedSize,
          uncompressedSize: entry.uncompressedSize,
          crc32: entry.crc32,
          localHeaderOffset: entry.relativeOffsetOfLocalHeader,
          isSymlink: ((entry.externalFileAttributes >>> 16) & 0o170000) === 0o120000,
        };
        checkWithin(summary, size);
        entries.push(summary);
        raw.set(summary, entry);
      }
    } catch (error) {
      if (error instanceof ZipFormatError) throw error;
      throw (
        reads.failure ??
        new ZipFormatError(`corrupt zip directory: ${(error as Error).message}`, { cause: error })
      );
    }
    return new RemoteZip(zip, entries, raw, reads, cache);
  }

  /**
   * Where an entry's compressed bytes begin: after its local header, whose name and extra lengths vary.
   * The header is read through the directory's blocks, so a header near data already read costs nothing.
   */
  async dataOffset(entry: ZipEntry): Promise<number> {
    const header = await this.cache.read(entry.localHeaderOffset, entry.localHeaderOffset + 30);
    if (header.length < 30 || header.readUInt32LE(0) !== LOCAL_HEADER) {
      throw new ZipFormatError(`${entry.name}: no local header at offset ${entry.localHeaderOffset}`);
    }
    return entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  }

  private async readSmallEntry(entry: ZipEntry): Promise<Buffer> {
    const start = await this.dataOffset(entry);
    const stored = await this.cache.read(start, start + entry.compressedSize);
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
    await this.cache.read(start, end);
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
    const raw = this.raw.get(entry);
    if (!raw) throw new Error(`${entry.name} is not an entry of this zip`);
    checkMethod(entry);
    return this.guarded(entry, () => this.zip.openReadStreamPromise(raw));
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

function checkMethod(entry: ZipEntry): void {
  if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED) {
    throw new ZipFormatError(`${entry.name}: compression method ${entry.compressionMethod} is not supported`);
  }
}
