import { createHash } from "node:crypto";
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import type { CrashFacts } from "../crashlog/crash-signature.js";
import { writeHuman } from "../ui/untrusted-text.js";
import { writeFileAtomic } from "../workspace/atomic-write.js";
import type { DumpObjects } from "./group.js";
import { cacheFileText, FORMAT, type Row, readCacheFile, UnusableCacheError } from "./metadata-cache-file.js";
import type { DumpMetadata } from "./read-metadata.js";
import { SharedValues } from "./shared-values.js";

/**
 * What the dumps' JSON and logs said, remembered per store and keyed by the ETags of the objects it came
 * from: a dump whose objects did not change is never read again. Denials are not remembered (credentials
 * change), malformed files are (their ETag pins their content). What `report` found of a crash is kept
 * beside, for `groups`.
 *
 * Compact, because a warm `list` of a large bucket loads it whole: rows, not objects keyed by name; a
 * listing's metadata without labels or entry lists (see `Depth`); the ETags alone, not the keys.
 */
export class MetadataCache {
  private rows = new Map<string, Row>();
  private readonly shared = new SharedValues();
  private changed = false;
  /** The store's name among the caches: its files are `NAME.vFORMAT.jsonl`. */
  private readonly name: string;
  private readonly file: string;

  /**
   * `onNote` hears of a cache file that could not be used and is replaced (a row of the wrong shapes, a
   * named pipe where the file should be); by default it goes to standard error.
   */
  constructor(
    directory: string,
    storeDescription: string,
    private readonly onNote: (note: string) => void = (note) =>
      writeHuman(process.stderr, `coredump: ${note}\n`),
  ) {
    this.name = createHash("sha256").update(storeDescription).digest("hex").slice(0, 20);
    this.file = path.join(directory, "metadata", `${this.name}.v${FORMAT}.jsonl`);
  }

  async load(): Promise<void> {
    try {
      this.rows = await readCacheFile(this.file, this.shared);
    } catch (error) {
      // No cache yet, or an unreadable one: start afresh, and replace it on save.
      this.rows = new Map();
      if (error instanceof UnusableCacheError) {
        this.changed = true;
        this.onNote(`the metadata cache ${this.file} is not usable (${error.message}): it is read afresh`);
      }
    }
  }

  /**
   * The dump's metadata, while its objects are unchanged. Its row is keyed anew by the listing's text of
   * the id, which the dump holds anyway: the cache file's copies of 100,000 ids were 12 MB.
   */
  get(dump: DumpObjects): DumpMetadata | undefined {
    const id = idOf(dump);
    const row = this.current(dump, id);
    if (!row) return undefined;
    this.rows.delete(id);
    row[0] = id;
    this.rows.set(id, row);
    return row[2];
  }

  /** Remembers the dump's metadata; returns what it keeps, the repeated parts shared (see SharedValues). */
  set(dump: DumpObjects, metadata: DumpMetadata): DumpMetadata {
    if (metadata.state === "denied") return metadata;
    const reported = this.current(dump)?.[3];
    const row: Row = [idOf(dump), etagsOf(dump), this.shared.share(metadata)];
    if (reported) row.push(reported);
    this.rows.set(row[0], row);
    this.changed = true;
    return row[2];
  }

  /** What `report` said of the dump's crash, while its objects are unchanged. */
  reported(dump: DumpObjects): CrashFacts | undefined {
    return this.current(dump)?.[3];
  }

  /** Remembers a report's crash beside the dump's metadata (a dump reported was described first). */
  setReported(dump: DumpObjects, crash: CrashFacts): void {
    const row = this.current(dump);
    if (!row) return;
    row[3] = crash;
    this.changed = true;
  }

  async save(): Promise<void> {
    if (!this.changed) return;
    // A cache that cannot be written (a read-only or foreign home) only makes the next run slower.
    const written = await writeFileAtomic(this.file, cacheFileText(this.rows.values())).then(
      () => true,
      () => false,
    );
    this.changed = false;
    if (written) await this.removeOlderFormats();
  }

  /** The same store's files of earlier formats: never read again, they would only take room. */
  private async removeOlderFormats(): Promise<void> {
    const directory = path.dirname(this.file);
    const older = new RegExp(`^${this.name}\\.v\\d+\\.jsonl?$`);
    for (const name of await readdir(directory).catch(() => [] as string[])) {
      if (name !== path.basename(this.file) && older.test(name))
        await rm(path.join(directory, name), { force: true }).catch(() => undefined);
    }
  }

  private current(dump: DumpObjects, id = idOf(dump)): Row | undefined {
    const row = this.rows.get(id);
    return row && row[1] === etagsOf(dump) ? row : undefined;
  }
}

function idOf(dump: DumpObjects): string {
  return dump.folder + dump.stem;
}

/** The ETags of the objects metadata is read from, in a fixed order; `-` where an object is absent. */
function etagsOf(dump: DumpObjects): string {
  // Joined by hand: an array per dump looked up cost a warm listing of 10,000 dumps 60 ms.
  const { zip, core, dumpInfo, imageInfo, runtimeInfo, legacyInfo } = dump;
  return `${zip?.etag ?? "-"},${core?.etag ?? "-"},${dumpInfo?.etag ?? "-"},${imageInfo?.etag ?? "-"},${runtimeInfo?.etag ?? "-"},${legacyInfo?.etag ?? "-"}`;
}
