import { execFile } from "node:child_process";
import { rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { makeFolders } from "../util/make-folders.js";
import { which } from "./which.js";

/**
 * lldb spends about 11 s indexing node's DWARF on every start. A copy without debug sections (symbols
 * and build-id kept) starts in about a second with the same llnode output; only DWARF details of C
 * frames are lost. The copy is made once into the cache, beside the cached executables and keyed like
 * them by build-id (never beside a user's own file): `<cache>/binaries/<build-id>/<name>.nodebug`.
 *
 * The host's binutils `objcopy` reads only the host's machine ("Unable to recognise the format" for an
 * arm64 node on x86-64): the copy is made by the first of `objcopy`, binutils' cross objcopy for the
 * binary's machine (`aarch64-linux-gnu-objcopy`, `x86_64-linux-gnu-objcopy`), and LLVM's `llvm-objcopy`
 * (any machine) that succeeds.
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
  const tools = objcopyCandidates(searchPath);
  if (tools.length === 0) return binary; // binutils missing: the full binary still works, only slower to start
  await makeFolders(path.dirname(copy), 0o700);
  const partial = `${copy}.${process.pid}.partial`;
  for (const objcopy of tools) {
    try {
      await promisify(execFile)(objcopy, ["--strip-debug", binary, partial]);
      await rename(partial, copy);
      return copy;
    } catch {
      await rm(partial, { force: true });
    }
  }
  return binary; // no tool reads this machine: the full binary still works, only slower to start
}

/** The objcopy programs on `searchPath`, the host's first: a failing one (another machine) costs milliseconds. */
export function objcopyCandidates(searchPath: string): string[] {
  const names = [
    "objcopy",
    "aarch64-linux-gnu-objcopy",
    "x86_64-linux-gnu-objcopy",
    "llvm-objcopy",
    ...[19, 18, 17, 16, 15, 14, 13].map((major) => `llvm-objcopy-${major}`),
  ];
  const found: string[] = [];
  for (const name of names) {
    const tool = which(name, searchPath);
    if (tool && !found.includes(tool)) found.push(tool);
  }
  return found;
}
