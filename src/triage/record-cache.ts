import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { crashFactsProblem } from "../catalog/metadata-cache-shape.js";
import type { CrashFacts } from "../crashlog/crash-signature.js";
import { writeFileAtomic } from "../workspace/atomic-write.js";
import { isObject, isTriageStatus, type RecordView } from "./read-record.js";

/**
 * Format 2, one JSON document: `{"format":2,"texts":[…],"crashes":[…],"rows":[…]}`, a row per record,
 * `[record key, record ETag, version, dump ETag, status, kind, title, crash, needsBytes]`. Kinds and titles
 * are numbers into `texts`, crashes into `crashes`, -1 for none: thousands of records of one crash-looping
 * deployment repeat one title and one crash, which are then read and checked once. Format 1 kept a whole
 * view per row, and a warm `list` of 10,000 records spent more time reading it than listing them.
 */
const FORMAT = 2;
const NONE = -1;

type Row = [
  key: string,
  recordEtag: string,
  version: number,
  etag: string,
  status: string,
  kind: number,
  title: number,
  crash: number,
  needsBytes: number,
  runtime: number,
];

/**
 * What records said, kept on this machine per record ETag: a warm `list` reads no record again. One file
 * per place of records; a row that does not read back as a view is dropped, and its record read again
 * from the store. The file is checked as the bucket is: anyone may have written it.
 */
export class RecordCache {
  private rows = new Map<string, [etag: string, view: RecordView]>();
  private changed = false;
  private readonly file: string;

  constructor(cacheDir: string, placeDescription: string) {
    const name = createHash("sha256").update(placeDescription).digest("hex").slice(0, 20);
    this.file = path.join(cacheDir, "triage", `${name}.v${FORMAT}.json`);
  }

  async load(): Promise<void> {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(this.file, "utf8"));
    } catch {
      return;
    }
    if (!isObject(json) || json.format !== FORMAT) return;
    const { texts, crashes, rows } = json;
    if (!Array.isArray(texts) || !Array.isArray(crashes) || !Array.isArray(rows)) return;
    const text = (number: unknown): string | null | undefined => {
      if (number === NONE) return null;
      const value = typeof number === "number" ? texts[number] : undefined;
      return typeof value === "string" ? value : undefined;
    };
    const checkedCrashes = crashes.map((crash: unknown) =>
      crashFactsProblem(crash) === undefined ? (crash as CrashFacts) : undefined,
    );
    for (const row of rows as unknown[]) {
      const read = rowView(row, text, checkedCrashes);
      if (read) this.rows.set(read[0], [read[1], read[2]]);
    }
  }

  /** Rows held. */
  get size(): number {
    return this.rows.size;
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
    const texts = new Numbering<string>((value) => value);
    const crashes = new Numbering<CrashFacts | undefined>((value) => JSON.stringify(value));
    const rows: Row[] = [];
    for (const [key, [recordEtag, view]] of this.rows)
      rows.push([
        key,
        recordEtag,
        view.version,
        view.etag,
        view.status,
        view.kind === null ? NONE : texts.number(view.kind),
        view.title === null ? NONE : texts.number(view.title),
        view.crash === undefined ? NONE : crashes.number(view.crash),
        view.needsBytes ?? NONE,
        view.runtime === undefined ? NONE : texts.number(view.runtime),
      ]);
    const document = { format: FORMAT, texts: texts.values, crashes: crashes.values, rows };
    // A cache that cannot be written only makes the next run slower.
    await writeFileAtomic(this.file, JSON.stringify(document)).catch(() => undefined);
    this.changed = false;
  }
}

/** A row read back: its record's key and ETag and the view, or undefined when any field is not what it should be. */
function rowView(
  row: unknown,
  text: (number: unknown) => string | null | undefined,
  crashes: ReadonlyArray<CrashFacts | undefined>,
): [string, string, RecordView] | undefined {
  // Rows written before a record named its runtime have nine fields.
  if (!Array.isArray(row) || (row.length !== 9 && row.length !== 10)) return undefined;
  const [
    key,
    recordEtag,
    version,
    etag,
    status,
    kindNumber,
    titleNumber,
    crashNumber,
    needsBytes,
    runtimeNumber,
  ] = row;
  if (typeof key !== "string" || typeof recordEtag !== "string" || typeof etag !== "string") return undefined;
  if (!Number.isInteger(version) || !isTriageStatus(status)) return undefined;
  if (typeof needsBytes !== "number" || !(needsBytes >= 0 || needsBytes === NONE)) return undefined;
  const kind = text(kindNumber);
  const title = text(titleNumber);
  const crash = crashNumber === NONE ? undefined : crashes[crashNumber as number];
  if (kind === undefined || title === undefined || (crashNumber !== NONE && crash === undefined))
    return undefined;
  const view: RecordView = { version: version as number, etag, status, kind, title };
  if (needsBytes !== NONE) view.needsBytes = needsBytes;
  if (crash) view.crash = crash;
  const runtime = runtimeNumber === undefined ? null : text(runtimeNumber);
  if (runtime === undefined) return undefined;
  if (runtime !== null) view.runtime = runtime;
  return [key, recordEtag, view];
}

/** Values numbered in the order first seen, equal ones (by `identity`) sharing a number. */
class Numbering<T> {
  private readonly numbered = new Map<string, { number: number; value: T }>();

  constructor(private readonly identity: (value: T) => string) {}

  number(value: T): number {
    const identity = this.identity(value);
    const seen = this.numbered.get(identity);
    if (seen) return seen.number;
    this.numbered.set(identity, { number: this.numbered.size, value });
    return this.numbered.size - 1;
  }

  /** The values, by number. */
  get values(): T[] {
    return Array.from(this.numbered.values(), (entry) => entry.value);
  }
}
