import type { CoreEncoding } from "../archive/decompress.js";
import { openStoredZip } from "../archive/stored-zip.js";
import { DEFLATED, type RemoteZip, STORED } from "../archive/zip-directory.js";
import type { Dump } from "../catalog/dump.js";
import { ExpectedError } from "../errors.js";
import type { Store, StoredObject } from "../store/store.js";

/** Where a dump's core lies in the store and what its bytes must become. */
export interface CoreSource {
  object: StoredObject;
  /** The core's compressed bytes: [start, end) of the object. */
  start: number;
  end: number;
  encoding: CoreEncoding;
  /** What the decompressed core must measure, where the archive says. */
  size?: number;
  crc32?: number;
  /** For zips: the directory, to read the metadata entries from without opening it again. */
  zip?: RemoteZip;
  /** For zips: the core entry's name. */
  entryName?: string;
}

/** Why a dump cannot be fetched: said so that the user knows what to do. */
export class UnfetchableError extends ExpectedError {
  override name = "UnfetchableError";
}

export async function locateCore(store: Store, dump: Dump): Promise<CoreSource> {
  if (dump.state === "denied") {
    throw new UnfetchableError(
      `dump ${dump.id}: these credentials may not read it (${dump.metadata?.problems[0] ?? "403"})`,
    );
  }
  const { zip, core } = dump.objects;
  if (zip) return locateZipCore(store, dump, zip);
  if (!core)
    throw new UnfetchableError(
      `dump ${dump.id} has no core in ${store.description}: only its metadata was uploaded`,
    );
  if (core.compression === "lz4" || core.compression === "lzo") {
    throw new UnfetchableError(
      `${core.key} is ${core.compression}-compressed (handler 1.0), which coredump cannot read: download it and run \`${core.compression} -d\``,
    );
  }
  if (core.size === 0)
    throw new UnfetchableError(`${core.key} is empty: the handler uploaded no core for this dump`);
  const encoding: CoreEncoding = core.compression === "gzip" ? "gzip" : "stored";
  return {
    object: core,
    start: 0,
    end: core.size,
    encoding,
    ...(encoding === "stored" ? { size: core.size } : {}),
  };
}

async function locateZipCore(store: Store, dump: Dump, object: StoredObject): Promise<CoreSource> {
  const zip = await openStoredZip(store, object);
  const cores = zip.entries.filter((entry) => entry.name.endsWith(".core"));
  const entry = cores.find((candidate) => candidate.name === `${dump.stem}.core`) ?? cores[0];
  if (!entry)
    throw new UnfetchableError(`${object.key} holds no core entry: the handler stopped before writing it`);
  if (entry.uncompressedSize === 0)
    throw new UnfetchableError(`${object.key}: the core entry ${entry.name} is empty`);
  if (entry.compressionMethod !== DEFLATED && entry.compressionMethod !== STORED) {
    throw new UnfetchableError(
      `${object.key}: the core entry uses zip compression method ${entry.compressionMethod}; coredump reads Deflated and Stored entries`,
    );
  }
  const start = await zip.dataOffset(entry);
  return {
    object,
    start,
    end: start + entry.compressedSize,
    encoding: entry.compressionMethod === DEFLATED ? "deflate" : "stored",
    size: entry.uncompressedSize,
    crc32: entry.crc32,
    zip,
    entryName: entry.name,
  };
}
