import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../workspace/atomic-write.js";
import { type RecordView, recordOf, viewOf } from "./read-record.js";

/**
 * What records said, kept on this machine per record ETag: a warm `list` reads no record again. One file
 * per place of records; a row that does not read back as a record is dropped, and read again from the store.
 */
export class RecordCache {
  private rows = new Map<string, [etag: string, view: RecordView]>();
  private changed = false;
  private readonly file: string;

  constructor(cacheDir: string, placeDescription: string) {
    const name = createHash("sha256").update(placeDescription).digest("hex").slice(0, 20);
    this.file = path.join(cacheDir, "triage", `${name}.v1.json`);
  }

  async load(): Promise<void> {
    try {
      const json = JSON.parse(await readFile(this.file, "utf8")) as unknown;
      if (json && typeof json === "object" && !Array.isArray(json))
        for (const [key, row] of Object.entries(json as Record<string, unknown>)) {
          if (!Array.isArray(row) || typeof row[0] !== "string") continue;
          // A view is checked as a record would be: the file is as untrusted as the bucket.
          const view = recordOf({ ...row[1], ...RECORD_SHELL });
          if (view) this.rows.set(key, [row[0], viewOf(view)]);
        }
    } catch {
      this.rows = new Map();
    }
  }

  get(key: string, etag: string): RecordView | undefined {
    const row = this.rows.get(key);
    return row && row[0] === etag ? row[1] : undefined;
  }

  set(key: string, etag: string, view: RecordView): void {
    this.rows.set(key, [etag, view]);
    this.changed = true;
  }

  /** Rows of records no longer listed go. */
  keepOnly(keys: ReadonlySet<string>): void {
    for (const key of this.rows.keys())
      if (!keys.has(key)) {
        this.rows.delete(key);
        this.changed = true;
      }
  }

  async save(): Promise<void> {
    if (!this.changed) return;
    // A cache that cannot be written only makes the next run slower.
    await writeFileAtomic(this.file, JSON.stringify(Object.fromEntries(this.rows))).catch(() => undefined);
    this.changed = false;
  }
}

/** The fields of a record a view leaves out, so that a view is checked by the record's own check. */
const RECORD_SHELL = { format: "coredump-triage", id: "", key: "", signature: null, jsStack: [] };
