import { createHash } from "node:crypto";
import { chmod, readdir, readFile, rm, stat, utimes } from "node:fs/promises";
import path from "node:path";
import type { Settings } from "../settings.js";
import { writeFileAtomic } from "./atomic-write.js";
import { acquireLock, type LockOptions } from "./fetch-lock.js";
import { makeFolder, refuseSymlink } from "./writable-folder.js";

/** What a finished fetch wrote, and of which object: a later fetch that finds it matching does nothing. */
export interface CompletionRecord {
  id: string;
  /** The object fetched, and the store it was fetched from (its description: bucket, endpoint, prefix or folder). */
  key: string;
  store: string;
  etag: string;
  storedSize: number;
  coreSize: number;
  crc32?: number;
  /** Where the core's headers say it ends, when that is past its size: a truncated core. */
  expectedSize?: number;
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
 * code). The id is the one the dump's key names (see fetch's `folderIdOf`), never one its content claims;
 * one that is not a plain name becomes a hash, so no id can point outside the working folder.
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
    await this.make();
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
  async lock(options: LockOptions = {}): Promise<() => Promise<void>> {
    await this.make();
    return acquireLock(this.file(LOCK), options);
  }

  /**
   * Refuses a dump folder that is a symbolic link or a file (fetch would chmod, clear and write whatever
   * it points at), then creates it. Errors are one line each.
   */
  async make(): Promise<void> {
    await refuseSymlink(this.dir, "--workdir");
    await makeFolder(this.dir, "--workdir");
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
