import { PassThrough, Transform, type TransformCallback } from "node:stream";
import { crc32, createGunzip, createInflateRaw } from "node:zlib";
import { ExpectedError } from "../errors.js";

/** How the core's bytes are stored: a `.core.gz`, a zip entry (Deflated or Stored), or a bare core. */
export type CoreEncoding = "gzip" | "deflate" | "stored";

export class CorruptArchiveError extends ExpectedError {
  override name = "CorruptArchiveError";
}

/**
 * zlib inflates off the main thread one output slice at a time; with its default 16 KiB slices a GiB
 * costs 65,536 round trips and most of the time goes to waking up. 1 MiB slices make fetch 2.5× faster
 * (bench/fetch.ts).
 */
const SLICE = 1024 * 1024;

export function decompressor(encoding: CoreEncoding): Transform {
  if (encoding === "gzip") return createGunzip({ chunkSize: SLICE }); // checks the gzip trailer's CRC and length itself
  if (encoding === "deflate") return createInflateRaw({ chunkSize: SLICE });
  return new PassThrough();
}

/**
 * Counts and checksums what flows through, and fails at the end when a zip entry's CRC-32 or size
 * does not match its directory's: a corrupt or truncated core never passes as a complete one. Without
 * an expected CRC (gzip checks its own) nothing is summed.
 */
export class CrcCheck extends Transform {
  crc = 0;
  size = 0;

  constructor(private readonly expected: { crc?: number; size?: number; what: string }) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.expected.crc !== undefined) this.crc = crc32(chunk, this.crc);
    this.size += chunk.length;
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const { crc, size, what } = this.expected;
    if (size !== undefined && size !== this.size) {
      done(
        new CorruptArchiveError(
          `${what}: ${this.size} bytes where ${size} were expected: truncated or corrupt`,
        ),
      );
    } else if (crc !== undefined && crc !== this.crc) {
      done(
        new CorruptArchiveError(
          `${what}: CRC-32 ${hex(this.crc)} where the archive says ${hex(crc)}: corrupt`,
        ),
      );
    } else {
      done();
    }
  }
}

function hex(value: number): string {
  return value.toString(16).padStart(8, "0");
}
