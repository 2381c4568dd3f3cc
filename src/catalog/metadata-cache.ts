import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { CrashFacts } from "../crashlog/crash-signature.js";
import { writeFileAtomic } from "../workspace/atomic-write.js";
import type { DumpObjects } from "./group.js";
import type { DumpMetadata } from "./read-metadata.js";

/** Format 2: one row per dump, `[id, etags, metadata, report's crash?]`; format 1 was keyed objects. */
const FORMAT = 2;

type Row = [id: string, etags: string, metadata: DumpMetadata, reported?: CrashFacts];

interface CacheFile {
  format: number;
  rows: Row[];
}

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
  private changed = false;
  private readonly file: string;

  constructor(directory: string, storeDescription: string) {
    const name = createHash("sha256").update(storeDescription).digest("hex").slice(0, 20);
    this.file = path.join(directory, "metadata", `${name}.v${FORMAT}.json`);
  }

  async load(): Promise<void> {
    try {
      const parsed = JSON.parse(await readFile(this.file, "utf8")) as CacheFile;
      if (parsed.format === FORMAT && Array.isArray(parsed.rows))
        this.rows = new Map(parsed.rows.map((row) => [row[0], row]));
    } catch {
      // No cache yet, or an unreadable one: start afresh.
    }
  }

  get(dump: DumpObjects): DumpMetadata | undefined {
    return this.current(dump)?.[2];
  }

  set(dump: DumpObjects, metadata: DumpMetadata): void {
    if (metadata.state === "denied") return;
    const reported = this.current(dump)?.[3];
    const row: Row = [idOf(dump), etagsOf(dump), metadata];
    if (reported) row.push(reported);
    this.rows.set(row[0], row);
    this.changed = true;
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
    await writeFileAtomic(
      this.file,
      JSON.stringify({ format: FORMAT, rows: [...this.rows.values()] } satisfies CacheFile),
    ).catch(() => undefined);
    this.changed = false;
  }

  private current(dump: DumpObjects): Row | undefined {
    const row = this.rows.get(idOf(dump));
    return row && row[1] === etagsOf(dump) ? row : undefined;
  }
}

function idOf(dump: DumpObjects): string {
  return dump.folder + dump.stem;
}

/** The ETags of the objects metadata is read from, in a fixed order; `-` where an object is absent. */
function etagsOf(dump: DumpObjects): string {
  return [dump.zip, dump.core, dump.dumpInfo, dump.imageInfo, dump.runtimeInfo, dump.legacyInfo]
    .map((object) => object?.etag ?? "-")
    .join(",");
}
