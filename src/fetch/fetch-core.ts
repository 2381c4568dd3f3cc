import { open, rename, rm } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { readInChunks } from "../archive/chunked-read.js";
import { CorruptArchiveError, CrcCheck, decompressor } from "../archive/decompress.js";
import { ExpectedError } from "../errors.js";
import { type Store, StoreError } from "../store/store.js";
import { SparseWriter } from "../workspace/sparse-writer.js";
import type { CoreSource } from "./core-source.js";

export interface CoreWritten {
  size: number;
  /** Bytes written to disk: the rest are holes. */
  written: number;
  /** Of the core, where the archive gave one to check against. */
  crc32?: number;
  bytesRead: number;
}

export interface FetchCoreOptions {
  signal?: AbortSignal;
  onBytes?: (count: number) => void;
  onRetry?: (message: string) => void;
  /** Tuning, mostly for tests: see readInChunks. */
  chunkSize?: number;
  parallel?: number;
  retries?: number;
  idleTimeoutMs?: number;
}

/**
 * Streams the core from the store through its decompressor to `target` while it arrives, never whole in
 * memory. It is written under a temporary name and renamed only once the archive's checks (gzip's CRC
 * and length, a zip entry's CRC-32 and size) pass: an interruption leaves no file named `target`.
 */
export async function fetchCore(
  store: Store,
  source: CoreSource,
  target: string,
  partial: string,
  options: FetchCoreOptions = {},
): Promise<CoreWritten> {
  const key = source.object.key;
  let bytesRead = 0;
  const chunks = readInChunks(
    (start, end, signal) => store.stream(key, { start, end }, signal),
    source.start,
    source.end,
    {
      signal: options.signal,
      chunkSize: options.chunkSize,
      parallel: options.parallel,
      retries: options.retries,
      idleTimeoutMs: options.idleTimeoutMs,
      isPermanent: (error) =>
        error instanceof StoreError && error.kind !== "unreachable" && error.kind !== "other",
      onRetry: (error, attempt, offset) =>
        options.onRetry?.(
          `retrying ${key} from byte ${offset} (attempt ${attempt}): ${(error as Error).message}`,
        ),
      onBytes: (count) => {
        bytesRead += count;
        options.onBytes?.(count);
      },
    },
  );
  const check = new CrcCheck({ crc: source.crc32, size: source.size, what: source.entryName ?? key });
  const file = await open(partial, "wx", 0o600);
  const writer = new SparseWriter(file);
  try {
    await pipeline(Readable.from(chunks), decompressor(source.encoding), check, writer, {
      signal: options.signal,
    });
    await file.sync();
    await file.close();
    await rename(partial, target);
    return {
      size: writer.position,
      written: writer.written,
      ...(source.crc32 !== undefined ? { crc32: check.crc } : {}),
      bytesRead,
    };
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw options.signal?.aborted ? options.signal.reason : explain(error, key);
  }
}

/** zlib's and the disk's words, turned into what happened to the user's core. */
function explain(error: unknown, key: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOSPC")
    return new ExpectedError(
      `the disk is full: ${key} does not fit in the working folder (free space, or use --workdir)`,
    );
  if (typeof code === "string" && code.startsWith("Z_")) {
    return new CorruptArchiveError(`${key} is corrupt or truncated: ${(error as Error).message}`);
  }
  return error;
}
