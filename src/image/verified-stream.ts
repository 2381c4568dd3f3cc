import { createHash, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { RegistryError } from "./registry-error.js";

/** Splits `sha256:abc…` into the hash name Node knows and the hex; undefined for algorithms it does not. */
export function digestParts(digest: string): { algorithm: string; hex: string } | undefined {
  const [algorithm, hex] = digest.split(":");
  if (!hex || (algorithm !== "sha256" && algorithm !== "sha512") || !/^[0-9a-f]+$/.test(hex))
    return undefined;
  return { algorithm, hex };
}

export function digestOf(bytes: Buffer, algorithm = "sha256"): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
}

/**
 * Passes bytes through while hashing them, and fails at the end when they do not hash to `digest` (or their
 * count differs from `size`): whoever reads to the end has read verified bytes, or gets this error.
 */
export class VerifyingStream extends Transform {
  private readonly hash: Hash;
  private readonly expectedHex: string;
  private readonly algorithm: string;
  private count = 0;

  constructor(
    private readonly digest: string,
    private readonly size: number,
    private readonly what: string,
  ) {
    super();
    const parts = digestParts(digest);
    if (!parts)
      throw new RegistryError("unsupported", `${what} has a digest this client cannot check: ${digest}`);
    this.algorithm = parts.algorithm;
    this.expectedHex = parts.hex;
    this.hash = createHash(parts.algorithm);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.count += chunk.length;
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const actual = this.hash.digest("hex");
    if (actual !== this.expectedHex || (this.size >= 0 && this.count !== this.size)) {
      callback(
        new RegistryError(
          "digest-mismatch",
          `${this.what} is corrupt: its ${this.count} bytes hash to ${this.algorithm}:${actual}, not ${this.digest} (${this.size} bytes); the registry's storage is damaged or something on the way changed it`,
        ),
      );
      return;
    }
    callback();
  }
}
