import { execFile } from "node:child_process";
import { rename, rm, stat } from "node:fs/promises";
import { promisify } from "node:util";
import { which } from "./which.js";

/**
 * lldb spends about 11 s indexing node's DWARF on every start. A copy without debug sections (symbols
 * and build-id kept) starts in about a second with the same llnode output; only DWARF details of C
 * frames are lost. The copy sits beside the binary, `<binary>.nodebug`, made once.
 */
export async function strippedCopy(binary: string): Promise<string> {
  const copy = `${binary}.nodebug`;
  const [original, existing] = await Promise.all([stat(binary), stat(copy).catch(() => undefined)]);
  if (existing && existing.mtimeMs >= original.mtimeMs) return copy;
  const objcopy = which("objcopy");
  if (!objcopy) return binary; // binutils missing: the full binary still works, only slower to start
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
