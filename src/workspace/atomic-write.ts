import { randomBytes } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { makeFolders } from "../util/make-folders.js";

const PARTIAL = ".partial";
/** What the temporary name adds to a file's name: `.<12 hex digits>.partial`. */
export const TEMPORARY_SUFFIX_BYTES = 1 + 12 + PARTIAL.length;

/**
 * Writes a whole file or nothing: a reader never sees half of it, whatever happens meanwhile. `data` may
 * be pieces, written as they come, so that a large file is never one string in memory.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Buffer | Iterable<string>,
  mode = 0o600,
): Promise<void> {
  await makeFolders(path.dirname(file), 0o700);
  const temporary = `${file}.${randomBytes(6).toString("hex")}${PARTIAL}`;
  try {
    await writeFile(temporary, data, { mode, flag: "wx" });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
