import { Readable } from "node:stream";
import { buffer as readAll } from "node:stream/consumers";
import { crc32, inflateRawSync } from "node:zlib";
import yauzl from "yauzl";
import { ExpectedError } from "../errors.js";
import { BlockCache, type RangeReader } from "./block-cache.js";

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
      // catalogue must still list such a dump.
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
        entries.push(summary);
        raw.set(summary, entry);
      }
    } catch (error) {
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
    const raw = this.raw.get(entry);
    if (!raw) throw new Error(`${entry.name} is not an entry of this zip`);
    if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED) {
      throw new ZipFormatError(
        `${entry.name}: compression method ${entry.compressionMethod} is not supported`,
      );
    }
    if (entry.uncompressedSize <= SMALL_ENTRY) return this.readSmallEntry(entry);
    try {
      return await readAll(await this.zip.openReadStreamPromise(raw));
    } catch (error) {
      throw (
        this.reads.failure ??
        new ZipFormatError(`${entry.name}: ${(error as Error).message}`, { cause: error })
      );
    }
  }
}
