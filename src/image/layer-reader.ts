import { open, rm } from "node:fs/promises";
import { PassThrough, type Readable, type Transform } from "node:stream";
import { finished } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { type Extract, type Header, extract as tarExtract } from "tar-stream";
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
  try {
    await readThrough(read, captured);
    return captured;
  } catch (error) {
    await Promise.all([...captured.values()].map((file) => rm(file, { force: true })));
    throw error;
  }
}

async function readThrough(read: LayerRead, captured: Map<string, string>): Promise<void> {
  const decompress: Transform =
    read.compression === "gzip" ? createGunzip({ chunkSize: 256 << 10 }) : new PassThrough();
  const extract = tarExtract();
  const source = finished(read.blob);
  source.catch(() => {});
  read.blob.on("error", (error) => decompress.destroy(error));
  read.blob.pipe(decompress);
  try {
    decompress.on("error", (error) => extract.destroy(error));
    decompress.pipe(extract);
    await consume(extract, read, captured);
  } catch (error) {
    if (error instanceof RegistryError) throw error;
    read.blob.unpipe(decompress);
    read.blob.resume();
    await source;
    const kind = read.compression === "gzip" ? "gzip " : "";
    throw new RegistryError(
      "protocol",
      `${read.what} is not a readable ${kind}tar: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  await source;
}

async function consume(extract: Extract, read: LayerRead, captured: Map<string, string>): Promise<void> {
  for await (const member of extract) {
    const header = member.header;
    const entry = entryOf(header);
    const path = read.index.add(header.name, entry);
    const destination = path !== undefined && entry.type === "file" ? read.captureTo(path, entry) : undefined;
    if (path !== undefined && destination) {
      await writeAll(member, destination);
      const earlier = captured.get(path);
      if (earlier) await rm(earlier, { force: true });
      captured.set(path, destination);
    } else {
      member.resume();
    }
  }
}

function entryOf(header: Header): LayerEntry {
  switch (header.type) {
    case "file":
    case "contiguous-file":
      return { type: "file", size: header.size };
    case "directory":
      return { type: "directory" };
    case "symlink":
      return { type: "symlink", target: header.linkname };
    case "link":
      return { type: "hardlink", target: header.linkname };
    default:
      return { type: "other" };
  }
}

async function writeAll(chunks: AsyncIterable<unknown>, destination: string): Promise<void> {
  const file = await open(destination, "w", 0o600);
  try {
    for await (const chunk of chunks) await file.write(chunk as Uint8Array);
  } finally {
    await file.close();
  }
}
