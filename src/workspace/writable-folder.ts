import { constants } from "node:fs";
import { access, lstat, stat } from "node:fs/promises";
import path from "node:path";
import { ExpectedError } from "../errors.js";
import { makeFolders } from "../util/make-folders.js";

/** A working or target folder that cannot be used: said in one line, with what to do. */
export class FolderError extends ExpectedError {
  override name = "FolderError";
}

/**
 * Creates `dir` (and its parents) as mkdir -p does, with `mode`, and checks that it can be written; a
 * failure becomes one line that names
 * the cause (a file in the way, a read-only mount, no write permission) and the flag that changes it.
 */
export async function makeFolder(dir: string, flag: string, mode = 0o700): Promise<void> {
  try {
    await makeFolders(dir, mode);
    await access(dir, constants.W_OK);
  } catch (error) {
    throw await explain(error as NodeJS.ErrnoException, dir, flag);
  }
}

/** Refuses a folder that is a symbolic link: writing through one would change where it points. */
export async function refuseSymlink(dir: string, flag: string): Promise<void> {
  const info = await lstat(dir).catch(() => undefined);
  if (info?.isSymbolicLink()) {
    throw new FolderError(
      `${dir} is a symbolic link: coredump writes only into a folder of its own there; remove the link or use another ${flag}`,
    );
  }
  if (info && !info.isDirectory())
    throw new FolderError(`${dir} is a file, not a folder: remove it or use another ${flag}`);
}

async function explain(error: NodeJS.ErrnoException, dir: string, flag: string): Promise<Error> {
  // Node's recursive mkdir says ENOENT for more than a missing parent: the nearest existing folder tells.
  let existing = dir;
  while (!(await stat(existing).catch(() => undefined)) && path.dirname(existing) !== existing)
    existing = path.dirname(existing);
  const info = await stat(existing).catch(() => undefined);
  if (info && !info.isDirectory())
    return new FolderError(`${existing} is a file, not a folder: give ${flag} a folder`);
  const denied = await access(existing, constants.W_OK).then(
    () => undefined,
    (cause: NodeJS.ErrnoException) => cause.code,
  );
  const code = error.code === "EROFS" || denied === "EROFS" ? "EROFS" : (denied ?? error.code);
  if (code === "EROFS")
    return new FolderError(`${existing} is on a read-only file system: give ${flag} a writable folder`);
  if (code === "EACCES" || code === "EPERM")
    return new FolderError(`${existing} is not writable by this user: give ${flag} a folder you can write`);
  if (code === "ENOSPC")
    return new FolderError(`the disk of ${existing} is full: free space or use another ${flag}`);
  return new FolderError(
    `cannot create ${dir} (${error.code ?? error.message}): give ${flag} another folder`,
  );
}
