import { type RandomAccessFile, withFile } from "./random-access.js";

/**
 * `process.release.sourceUrl` on a Node heap and in every official node binary's data:
 * `…/release/v20.20.2/node-v20.20.2.tar.gz`.
 */
const RELEASE_PATTERN = /release\/v(\d+\.\d+\.\d+)\/node-v\1/;
const CHUNK = 4 << 20;
const OVERLAP = 64;

/**
 * Finds the Node version named in the ranges [start, end) of a file (a core's dumped memory), each cut at
 * the file's end: a range that claims more is read as far as the file goes.
 */
export async function findNodeVersion(
  file: RandomAccessFile,
  ranges: ReadonlyArray<{ start: number; end: number }>,
): Promise<string | undefined> {
  for (const range of ranges) {
    const end = Math.min(range.end, file.size);
    for (let at = range.start; at < end; at += CHUNK) {
      const chunk = await file.readAt(at, Math.min(CHUNK + OVERLAP, end - at));
      const version = nodeVersionIn(chunk);
      if (version) return version;
    }
  }
  return undefined;
}

/** The Node version that a block of bytes names, as `18.20.4`. */
export function nodeVersionIn(bytes: Buffer): string | undefined {
  if (bytes.indexOf("release/v") === -1) return undefined;
  return RELEASE_PATTERN.exec(bytes.toString("latin1"))?.[1];
}

/** The Node version a node binary names in its own data (the same `release/vX.Y.Z/` string), as `22.20.0`. */
export async function executableNodeVersion(path: string): Promise<string | undefined> {
  return withFile(path, (file) => findNodeVersion(file, [{ start: 0, end: file.size }]));
}
