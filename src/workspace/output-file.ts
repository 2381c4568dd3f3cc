import { randomBytes } from "node:crypto";
import { closeSync, constants, openSync, type Stats, writeSync } from "node:fs";
import { lstat, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { ExpectedError } from "../errors.js";
import { tryLock } from "./fetch-lock.js";

/** An output path that cannot be written: said in one line, with what to do. */
export class OutputError extends ExpectedError {
  override name = "OutputError";
}

/**
 * Where a command's output goes, open for writing: a partial file beside a regular file (renamed over it
 * by `commit`), or a device, a pipe or standard output that the bytes stream straight into.
 */
export interface OutputFile {
  /** The path written to, as the user should see it; `-` for standard output. */
  readonly path: string;
  /** Whether the bytes go to standard output (so nothing else may). */
  readonly toStdout: boolean;
  /** Writes all of `bytes` (blocking; a non-blocking pipe is waited for). */
  write(bytes: Uint8Array): void;
  /** Closes it and, for a file, renames the partial file into place. */
  commit(): Promise<void>;
  /** Closes it and removes the partial file: nothing is left of a failed write. */
  discard(): Promise<void>;
}

/** Longest file name most file systems take (NAME_MAX), in bytes. */
const NAME_MAX = 255;
const PARTIAL = ".partial";

/**
 * Opens `target` for a command's output (`flag` names the option that chose it, for messages):
 * - `-` is standard output;
 * - a character device or a FIFO (`/dev/null`, a named pipe), or a link to one (`/dev/stdout`), is written
 *   into as it is: never renamed over, never truncated;
 * - a regular file or a missing name gets a partial file beside it, created O_EXCL|O_NOFOLLOW under a
 *   random name, renamed over it only when complete and only if it is then still absent or a regular file.
 * Anything else (a folder, a link to a file, a block device, a socket, a missing folder, a read-only place,
 * another coredump writing the same path) is refused in one line.
 */
export async function openOutput(target: string, flag: string): Promise<OutputFile> {
  if (target === "-") return streamInto(1, "-", true, flag);
  const where = path.resolve(target);
  const info = await lstatOf(where, flag);
  if (info?.isSymbolicLink()) {
    const resolved = await stat(where).catch(() => undefined);
    if (resolved && isStream(resolved)) return streamInto(openStream(where, flag), where, false, flag);
    throw new OutputError(
      `${where} is a symbolic link: coredump does not write through links; give ${flag} the file's own path, or - for standard output`,
    );
  }
  if (info && !info.isFile()) {
    if (isStream(info)) return streamInto(openStream(where, flag), where, false, flag);
    throw new OutputError(`${where} is ${kindOf(info)}: give ${flag} the path of a file`);
  }
  return partialBeside(where, flag);
}

/** The path a partial file or lock beside `file` is made under: its name shortened to fit NAME_MAX. */
function besideName(file: string, suffix: string): string {
  let base = path.basename(file);
  const room = NAME_MAX - 1 - Buffer.byteLength(suffix);
  while (Buffer.byteLength(base) > room) base = base.slice(0, -1);
  return path.join(path.dirname(file), `.${base}${suffix}`);
}

async function partialBeside(where: string, flag: string): Promise<OutputFile> {
  const dir = path.dirname(where);
  const folder = await stat(dir).catch(() => undefined);
  if (!folder)
    throw new OutputError(
      `the folder ${dir} does not exist: create it, or give ${flag} a path in an existing folder`,
    );
  if (!folder.isDirectory()) throw new OutputError(`${dir} is not a folder: give ${flag} another path`);
  const lock = await tryLock(besideName(where, ".coredump-lock")).catch((error: unknown) => {
    throw explainOpen(error, dir, flag);
  });
  if ("holder" in lock) {
    throw new OutputError(
      `another coredump (pid ${lock.holder.pid}) is writing ${where}: wait for it to finish, or give ${flag} another path`,
    );
  }
  await removeOrphans(where);
  const partial = besideName(where, `.${randomBytes(6).toString("hex")}${PARTIAL}`);
  let fd: number;
  try {
    fd = openSync(
      partial,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
  } catch (error) {
    await lock.release();
    throw explainOpen(error, dir, flag);
  }
  let open = true;
  const close = () => {
    if (open) closeSync(fd);
    open = false;
  };
  return {
    path: where,
    toStdout: false,
    write: (bytes) => writeAll(fd, bytes, where, flag),
    commit: async () => {
      try {
        close();
        const now = await lstat(where).catch(() => undefined);
        if (now && !now.isFile()) {
          throw new OutputError(
            `${where} became ${kindOf(now)} while coredump wrote it: left as it is; give ${flag} another path`,
          );
        }
        await rename(partial, where);
      } catch (error) {
        await rm(partial, { force: true });
        throw error instanceof ExpectedError ? error : explainOpen(error, dir, flag);
      } finally {
        await lock.release();
      }
    },
    discard: async () => {
      try {
        close();
      } catch {}
      await rm(partial, { force: true });
      await lock.release();
    },
  };
}

/**
 * Removes the partial files of `where` that a killed run left (a snapshot is written synchronously, so
 * Ctrl-C ends the process where it stands): only the lock's holder writes one, and that is now this run.
 */
async function removeOrphans(where: string): Promise<void> {
  const dir = path.dirname(where);
  const sample = path.basename(besideName(where, `.${"0".repeat(12)}${PARTIAL}`));
  const prefix = sample.slice(0, -(13 + PARTIAL.length));
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const rest = name.startsWith(prefix) ? name.slice(prefix.length) : "";
    if (/^\.[0-9a-f]{12}\.partial$/.test(rest)) await rm(path.join(dir, name), { force: true });
  }
}

function streamInto(fd: number, shown: string, toStdout: boolean, flag: string): OutputFile {
  let open = !toStdout;
  const close = () => {
    if (open) closeSync(fd);
    open = false;
  };
  return {
    path: shown,
    toStdout,
    write: (bytes) => writeAll(fd, bytes, toStdout ? "standard output" : shown, flag),
    commit: async () => close(),
    discard: async () => {
      try {
        close();
      } catch {}
    },
  };
}

/** A device or a FIFO, opened for writing as it is: no O_CREAT, no O_TRUNC. */
function openStream(where: string, flag: string): number {
  try {
    return openSync(where, constants.O_WRONLY);
  } catch (error) {
    throw explainOpen(error, path.dirname(where), flag, where);
  }
}

/** Writes all of `bytes`; a non-blocking descriptor that is full (a pipe to a slow reader) is waited for. */
function writeAll(fd: number, bytes: Uint8Array, shown: string, flag: string): void {
  for (let done = 0; done < bytes.length; ) {
    try {
      done += writeSync(fd, bytes, done, bytes.length - done);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EAGAIN") {
        Atomics.wait(PAUSE, 0, 0, 5);
        continue;
      }
      throw explainWrite(error as NodeJS.ErrnoException, shown, flag);
    }
  }
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

function isStream(info: Stats): boolean {
  return info.isCharacterDevice() || info.isFIFO();
}

function kindOf(info: Stats): string {
  if (info.isDirectory()) return "a folder";
  if (info.isSymbolicLink()) return "a symbolic link";
  if (info.isBlockDevice()) return "a block device (a disk)";
  if (info.isSocket()) return "a socket";
  if (info.isCharacterDevice()) return "a device";
  if (info.isFIFO()) return "a named pipe";
  return "not a regular file";
}

async function lstatOf(where: string, flag: string): Promise<Stats | undefined> {
  try {
    return await lstat(where);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ENOTDIR")
      throw new OutputError(`${path.dirname(where)} is not a folder: give ${flag} another path`);
    throw explainOpen(error, path.dirname(where), flag, where);
  }
}

function explainOpen(error: unknown, dir: string, flag: string, file?: string): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const place = file ?? dir;
  if (code === "EROFS")
    return new OutputError(`${dir} is on a read-only file system: give ${flag} a writable place`);
  if (code === "EACCES" || code === "EPERM")
    return new OutputError(`${place} is not writable by this user: give ${flag} a place you can write`);
  if (code === "ENOSPC" || code === "EDQUOT")
    return new OutputError(`the disk of ${dir} is full: free space, or give ${flag} another place`);
  if (code === "ENAMETOOLONG")
    return new OutputError(`${place}: the name is too long for the file system; give ${flag} a shorter one`);
  if (code === "ENXIO" || code === "ENODEV")
    return new OutputError(`${place} cannot be opened for writing (${code}): give ${flag} a file`);
  if (code !== undefined)
    return new OutputError(`cannot write ${place} (${code}): give ${flag} another path`);
  return error as Error;
}

function explainWrite(error: NodeJS.ErrnoException, shown: string, flag: string): Error {
  const code = error.code;
  if (code === "EPIPE")
    return new OutputError(`${shown} was closed before everything was written: the output is incomplete`);
  if (code === "ENOSPC" || code === "EDQUOT")
    return new OutputError(`the disk of ${shown} is full: free space, or give ${flag} another place`);
  if (code === "EFBIG")
    return new OutputError(`${shown}: the file system takes no file this large; give ${flag} another place`);
  if (code !== undefined)
    return new OutputError(`cannot write ${shown} (${code}): give ${flag} another path`);
  return error;
}
