import { execFile } from "node:child_process";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { which } from "./which.js";

/**
 * lldb spends about 11 s indexing node's DWARF on every start. A copy without debug sections (symbols
 * and build-id kept) starts in about a second with the same llnode output; only DWARF details of C
 * frames are lost. The copy is made once into the cache, beside the cached executables and keyed like
 * them by build-id (never beside a user's own file): `<cache>/binaries/<build-id>/<name>.nodebug`.
 */
export async function strippedCopy(
  binary: string,
  buildId: string | undefined,
  cache: string,
  searchPath: string,
): Promise<string> {
  if (!buildId) return binary; // nothing to key the copy by: the full binary works, only slower to start
  const copy = path.join(cache, "binaries", buildId, `${path.basename(binary)}.nodebug`);
  if (await stat(copy).catch(() => undefined)) return copy;
  const objcopy = which("objcopy", searchPath);
  if (!objcopy) return binary; // binutils missing: the full binary still works, only slower to start
  await mkdir(path.dirname(copy), { recursive: true, mode: 0o700 });
  const partial = `${copy}.${process.pid}.partial`;
  try {
    await promisify(execFile)(objcopy, ["--strip-debug", binary, partial]);
    await rename(partial, copy);
    return copy;
  } catch {
    await rm(partial, { force: true });
    return binary;
  }
}
