import type { Readable } from "node:stream";
import { ExpectedError } from "../errors.js";

/** One object (S3) or file (directory store), addressed by its key relative to the store's root. */
export interface StoredObject {
  key: string;
  size: number;
  /** An opaque version tag: the S3 ETag, or size and mtime for a file. Changes when the content does. */
  etag: string;
  /** Milliseconds since the epoch (a number: 100,000 Dates are 9.6 MB). */
  modified: number;
}

/** Where dumps live. The catalog sees only this; it never knows whether bytes come from S3 or disk. */
export interface Store {
  /** Human description for messages, e.g. `s3://bucket/prefix (endpoint http://…)` or `/cores`. */
  readonly description: string;
  /** Every object under the store's prefix, in any order. */
  list(): Promise<StoredObject[]>;
  stat(key: string): Promise<StoredObject>;
  /** Bytes [start, end) of an object. */
  readRange(key: string, start: number, end: number): Promise<Buffer>;
  /** The whole object, into memory: for small ones. */
  read(key: string): Promise<Buffer>;
  /** Bytes [start, end) of an object as they arrive; no range means all of it, no `end` to its end. */
  stream(key: string, range?: { start: number; end?: number }, signal?: AbortSignal): Promise<Readable>;
  /** Removes objects for good. */
  delete(keys: readonly string[]): Promise<void>;
  /** Writes a small object whole, in one request: a reader sees the old object or the new, never half. */
  put(key: string, body: Buffer): Promise<StoredObject>;
}

/** Why a store operation failed, in terms a user can act on. */
export type StoreErrorKind =
  | "not-found"
  | "denied"
  | "bad-credentials"
  | "no-bucket"
  | "unreachable"
  | "other";

export class StoreError extends ExpectedError {
  constructor(
    readonly kind: StoreErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "StoreError";
  }
}
