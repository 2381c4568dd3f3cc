import { createHash } from "node:crypto";
import { chmod, mkdir, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Settings } from "../settings.js";
import { writeFileAtomic } from "./atomic-write.js";

/** What a finished fetch wrote, and of which object: a later fetch that finds it matching does nothing. */
export interface CompletionRecord {
  id: string;
  key: string;
  etag: string;
  storedSize: number;
  coreSize: number;
  crc32?: number;
  files: string[];
  fetchedAt: string;
}

/** The completion record a finished fetch leaves in the dump's folder. */
export const RECORD = ".coredump-fetch.json";
const LOCK = ".coredump-fetch.lock";
const PARTIAL = ".partial";

/** `--workdir`, else the settings' (`$COREDUMP_WORKDIR`, else `~/work`). */
export function workdirFrom(flag: string | undefined, settings: Pick<Settings, "workdir">): string {
  return path.resolve(flag ?? settings.workdir);
}

/**
 * The working folder of one dump, `<workdir>/<id>/`: 0700, its files 0600 (cores hold users' data and
 * code). An id comes from key names in a bucket; one that is not a plain name becomes a hash, so no id
 * can point outside the working folder.
 */
export class DumpFolder {
  readonly dir: string;

  constructor(
    readonly workdir: string,
    id: string,
  ) {
    this.dir = path.join(workdir, folderName(id));
  }

  file(name: string): string {
    return path.join(this.dir, ...name.split("/"));
  }

  get core(): string {
    return this.file("core");
  }

  /** Creates the folder with private permissions and removes what an interrupted fetch left. */
  async prepare(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    for (const name of await readdir(this.dir)) {
      if (name.endsWith(PARTIAL)) await rm(path.join(this.dir, name), { force: true });
    }
  }

  /** A temporary name beside `file`: renamed into place only when complete. */
  partial(file: string): string {
    return `${file}.${process.pid}-${Date.now().toString(36)}${PARTIAL}`;
  }

  /** The record of a complete fetch, if there is one and the core it describes is still whole. */
  async completed(): Promise<CompletionRecord | undefined> {
    try {
      const record = JSON.parse(await readFile(this.file(RECORD), "utf8")) as CompletionRecord;
      const core = await stat(this.core);
      return core.size === record.coreSize ? record : undefined;
    } catch {
      return undefined;
    }
  }

  /** Marks a complete fetch as used now, so that `clean --older-than` counts from its last use. */
  async touch(): Promise<void> {
    const now = new Date();
    await utimes(this.file(RECORD), now, now).catch(() => undefined);
  }

  /**
   * Makes this process the only one writing the folder (two terminals fetching one dump would delete
   * each other's files): waits while another live coredump holds the lock, takes over a dead one's.
   * Resolves to the function that releases it.
   */
  async lock(onWait?: (holder: number) => void): Promise<() => Promise<void>> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const lockFile = this.file(LOCK);
    let told = false;
    for (;;) {
      try {
        await writeFile(lockFile, String(process.pid), { flag: "wx", mode: 0o600 });
        return () => rm(lockFile, { force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const holder = Number(await readFile(lockFile, "utf8").catch(() => "0"));
      if (!isAlive(holder)) {
        await rm(lockFile, { force: true });
        continue;
      }
      if (!told) onWait?.(holder);
      told = true;
      await sleep(250);
    }
  }

  async complete(record: CompletionRecord): Promise<void> {
    await writeFileAtomic(this.file(RECORD), `${JSON.stringify(record, null, 2)}\n`);
  }

  /** Forgets a previous fetch before a new one, so that nothing old passes for new if this one fails. */
  async reset(): Promise<void> {
    await rm(this.file(RECORD), { force: true });
    await rm(this.core, { force: true });
  }
}

/** Whether a file name is the temporary name a fetch writes its core under (see DumpFolder.partial). */
export function isPartialCore(name: string): boolean {
  return /^core\.\d+-[0-9a-z]+\.partial$/.test(name);
}

export function folderName(id: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/.test(id) && !id.includes("..")
    ? id
    : `dump-${createHash("sha256").update(id).digest("hex").slice(0, 16)}`;
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
