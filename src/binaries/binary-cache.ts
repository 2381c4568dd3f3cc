import { chmod, readdir, rename, rm, stat, utimes } from "node:fs/promises";
import path from "node:path";
import { forgetAtExit, removeAtExit } from "../util/interrupt.js";
import { makeFolders } from "../util/make-folders.js";
import { isOrphaned, ownedName, STAGING_PREFIX as STAGING } from "../workspace/owned-name.js";
import { makeFolder } from "../workspace/writable-folder.js";

/** A GNU build-id; `go-` and the sha256 of a Go build ID; `unidentified-` and a file's sha256 (`--no-verify`). */
const BUILD_ID = /^(?:unidentified-|go-)?[0-9a-f]{8,128}$/;

/**
 * Executables by build-id, as debuginfod keeps them: `<cacheDir>/binaries/<build-id>/<name>`. A file
 * appears under its final name in one rename, so a killed process never leaves half of one there.
 */
export class BinaryCache {
  readonly root: string;

  constructor(cacheDir: string) {
    this.root = path.join(cacheDir, "binaries");
  }

  /**
   * The cached executable with this build-id, if any, marked as used today (its mtime) so that
   * `clean --older-than` keeps what is used every day: the image it came from may be gone by now.
   */
  async lookup(buildId: string): Promise<string | undefined> {
    if (!BUILD_ID.test(buildId)) return undefined;
    const folder = path.join(this.root, buildId);
    let names: string[];
    try {
      names = await readdir(folder);
    } catch {
      return undefined;
    }
    // `<name>.nodebug` beside it is the debuggers' copy without DWARF (src/debuggers/strip-debug.ts), never
    // the executable: taken for one, a `--binary /proc/1/exe` once made every later fetch name `exe.nodebug`.
    for (const name of names
      .filter((entry) => !entry.startsWith(".") && !entry.endsWith(".nodebug"))
      .sort()) {
      const file = path.join(folder, name);
      if ((await stat(file)).isFile()) {
        const now = new Date();
        // A cache on a read-only mount is still read: it just keeps its dates.
        await utimes(file, now, now).catch(() => undefined);
        return file;
      }
    }
    return undefined;
  }

  /**
   * A private folder beside the entries, on the same file system, for files that are being written.
   * It is removed when the process exits, even by Ctrl-C; what a killed one left, by sweepOrphans.
   */
  async staging(): Promise<string> {
    const folder = path.join(this.root, ownedName(STAGING));
    // The first folder the cache needs: where it cannot be made, one line that names the variable.
    await makeFolder(folder, "XDG_CACHE_HOME");
    removeAtExit(folder);
    return folder;
  }

  /** Removes the staging folders of processes that are gone (SIGKILL, a power cut). */
  async sweepOrphans(): Promise<void> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    for (const name of names.filter((entry) => isOrphaned(entry, STAGING)))
      await rm(path.join(this.root, name), { recursive: true, force: true });
  }

  /** Moves a verified file in under its build-id (mode 0755); returns its final path. */
  async store(file: string, buildId: string, name: string): Promise<string> {
    if (!BUILD_ID.test(buildId)) throw new Error(`not a build-id: ${buildId}`);
    const folder = path.join(this.root, buildId);
    await makeFolders(folder, 0o700);
    const final = path.join(folder, safeName(name));
    await chmod(file, 0o755);
    await rename(file, final);
    return final;
  }

  async discard(staging: string): Promise<void> {
    await rm(staging, { recursive: true, force: true });
    forgetAtExit(staging);
  }
}

function safeName(name: string): string {
  const base = path.basename(name).replace(/^\.+/, "");
  return base === "" ? "executable" : base;
}
