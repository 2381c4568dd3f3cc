import { createWriteStream } from "node:fs";
import { finished, pipeline } from "node:stream/promises";
import { PassThrough, type Readable, type Transform } from "node:stream";
import { createGunzip } from "node:zlib";
import tar from "tar-stream";
import type { LayerEntry, LayerIndex } from "./layer-index.js";
import type { LayerCompression } from "./media-types.js";
import { RegistryError } from "./registry-error.js";

export interface LayerRead {
  /** The verified blob, as RegistryClient.blob gives it. */
  blob: Readable;
  compression: Exclude<LayerCompression, "zstd">;
  /** Receives every path of the layer. */
  index: LayerIndex;
  /** Says where to write a regular file's contents, for the paths worth keeping. */
  captureTo: (path: string, entry: LayerEntry) => string | undefined;
  what: string;
}

/**
 * Reads one layer to its end: indexes its paths, writes the contents asked for, and only then reports
 * success, since the digest is known good only after the last byte. When the tar or gzip breaks, the rest
 * of the blob is still read so that a corrupt blob is reported as such rather than as bad gzip.
 */
export async function readLayer(read: LayerRead): Promise<Map<string, string>> {
  const captured = new Map<string, string>();
  const decompress: Transform = read.compression === "gzip" ? createGunzip() : new PassThrough();
  const extract = tar.extract();
  const source = finished(read.blob);
  source.catch(() => {});
  read.blob.on("error", (error) => decompress.destroy(error));
  read.blob.pipe(decompress);
  try {
    await Promise.all([pipeline(decompress, extract), consume(extract, read, captured)]);
  } catch (error) {
    if (error instanceof RegistryError) throw error;
    read.blob.unpipe(decompress);
    read.blob.resume();
    await source;
    throw new RegistryError("protocol", `${read.what} is not a readable ${read.compression === "gzip" ? "gzip " : ""}tar: ${(error as Error).message}`, {
      cause: error,
    });
  }
  await source;
  return captured;
}

async function consume(extract: tar.Extract, read: LayerRead, captured: Map<string, string>): Promise<void> {
  for await (const member of extract) {
    const header = member.header;
    const entry = entryOf(header);
    const path = read.index.add(header.name, entry);
    const destination = path !== undefined && entry.type === "file" ? read.captureTo(path, entry) : undefined;
    if (path !== undefined && destination) {
      await pipeline(member, createWriteStream(destination, { mode: 0o600 }));
      captured.set(path, destination);
    } else {
      member.resume();
      await finished(member);
    }
  }
}

function entryOf(header: tar.Headers): LayerEntry {
  switch (header.type) {
    case "file":
    case "contiguous-file":
      return { type: "file", size: header.size ?? 0 };
    case "directory":
      return { type: "directory" };
    case "symlink":
      return { type: "symlink", target: header.linkname ?? "" };
    case "link":
      return { type: "hardlink", target: header.linkname ?? "" };
    default:
      return { type: "other" };
  }
}
