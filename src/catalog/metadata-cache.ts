import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import path from "node:path";
import type { CrashFacts } from "../crashlog/crash-signature.js";
import { writeFileAtomic } from "../workspace/atomic-write.js";
import type { DumpObjects } from "./group.js";
import type { DumpMetadata } from "./read-metadata.js";
import { SharedValues } from "./shared-values.js";

/**
 * Format 3: a first line `{"format":3}`, then one row per line, `[id, etags, metadata, report's crash?]`,
 * so that the file is read and written row by row, never as one string. Format 2 was the same rows in one
 * JSON document, format 1 keyed objects.
 */
const FORMAT = 3;
const HEADER = JSON.stringify({ format: FORMAT });
/** Rows are written in pieces of about this many characters, and read in pieces of this many bytes. */
const PIECE = 1 << 16;
const READ_PIECE = 1 << 20;

type Row = [id: string, etags: string, metadata: DumpMetadata, reported?: CrashFacts];

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
  private readonly file: string;

  constructor(directory: string, storeDescription: string) {
    const name = createHash("sha256").update(storeDescription).digest("hex").slice(0, 20);
    this.file = path.join(directory, "metadata", `${name}.v${FORMAT}.jsonl`);
  }

  async load(): Promise<void> {
    try {
      this.rows = await readRows(this.file, this.shared);
    } catch {
      // No cache yet, or an unreadable one: start afresh.
      this.rows = new Map();
    }
  }

  /**
   * The dump's metadata, while its objects are unchanged. Its row is keyed anew by the listing's text of
   * the id, which the dump holds anyway: the cache file's copies of 100,000 ids were 12 MB.
   */
  get(dump: DumpObjects): DumpMetadata | undefined {
    const id = idOf(dump);
    const row = this.current(dump);
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
    await writeFileAtomic(this.file, pieces(this.rows.values())).catch(() => undefined);
    this.changed = false;
  }

  private current(dump: DumpObjects): Row | undefined {
    const row = this.rows.get(idOf(dump));
    return row && row[1] === etagsOf(dump) ? row : undefined;
  }
}

/**
 * The rows of a cache file, read a piece at a time: a whole file of 100,000 rows is 86 MB, which a listing
 * would hold beside the rows. A file of another format, or cut short, throws.
 */
async function readRows(file: string, shared: SharedValues): Promise<Map<string, Row>> {
  const rows = new Map<string, Row>();
  let header = true;
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { highWaterMark: READ_PIECE }) as AsyncIterable<Buffer>) {
    const text = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let end = text.indexOf(10); end >= 0; start = end + 1, end = text.indexOf(10, start)) {
      const line = text.toString("utf8", start, end);
      if (header) {
        if (line !== HEADER) throw new Error("another format");
        header = false;
        continue;
      }
      const row = JSON.parse(line) as Row;
      if (!Array.isArray(row) || typeof row[0] !== "string") throw new Error("not a row");
      row[2] = shared.share(row[2]);
      rows.set(row[0], row);
    }
    rest = text.subarray(start);
  }
  if (header || rest.length > 0) throw new Error("cut short");
  return rows;
}

/** The file's text in pieces: the header line, then a line per row. */
function* pieces(rows: Iterable<Row>): Generator<string> {
  let piece = `${HEADER}\n`;
  for (const row of rows) {
    piece += `${JSON.stringify(row)}\n`;
    if (piece.length >= PIECE) {
      yield piece;
      piece = "";
    }
  }
  yield piece;
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
