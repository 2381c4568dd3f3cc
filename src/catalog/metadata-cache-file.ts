import { createReadStream } from "node:fs";
import type { CrashFacts } from "../crashlog/crash-signature.js";
import type { DumpMetadata } from "./read-metadata.js";
import type { SharedValues } from "./shared-values.js";

/**
 * Format 4: a first line `{"format":4}`, then a line per row, `[id, etags, metadata, report's crash?]`,
 * read and written row by row, never as one string. What rows share is written once, on a line of its
 * own, `{"shared": value}`, before the first row that uses it; a row's `images` and `crash` are then the
 * number of that line among the shared ones. Thousands of dumps of one crash-looping deployment repeat
 * one image and one crash: their rows are half as long, and are read without comparing the repeats.
 * Format 3 wrote each row whole, format 2 the rows as one JSON document, format 1 keyed objects.
 */
export const FORMAT = 4;
const HEADER = JSON.stringify({ format: FORMAT });
/** Written in pieces of about this many characters, read in pieces of this many bytes. */
const PIECE = 1 << 16;
const READ_PIECE = 1 << 20;

export type Row = [id: string, etags: string, metadata: DumpMetadata, reported?: CrashFacts];

/** A row's metadata as written: its shared parts by number. */
type WrittenMetadata = Omit<DumpMetadata, "images" | "crash"> & { images: number; crash?: number };

/** The file's text in pieces. Rows' images and crashes are told apart by identity: SharedValues made them. */
export function* cacheFileText(rows: Iterable<Row>): Generator<string> {
  const numbers = new Map<object, number>();
  let piece = `${HEADER}\n`;
  const numberOf = (value: object): number => {
    let number = numbers.get(value);
    if (number === undefined) {
      number = numbers.size;
      numbers.set(value, number);
      piece += `${JSON.stringify({ shared: value })}\n`;
    }
    return number;
  };
  for (const [id, etags, metadata, reported] of rows) {
    const { images, crash, ...rest } = metadata;
    const written: WrittenMetadata = { ...rest, images: numberOf(images) };
    if (crash) written.crash = numberOf(crash);
    piece += `${JSON.stringify(reported ? [id, etags, written, reported] : [id, etags, written])}\n`;
    if (piece.length >= PIECE) {
      yield piece;
      piece = "";
    }
  }
  yield piece;
}

/**
 * The rows of a cache file, read a piece at a time: a whole file of 100,000 rows is tens of megabytes,
 * which a listing would hold beside the rows. A file of another format, cut short or not made of rows
 * throws.
 */
export async function readCacheFile(file: string, shared: SharedValues): Promise<Map<string, Row>> {
  const rows = new Map<string, Row>();
  const values: unknown[] = [];
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
      } else if (line.startsWith("{")) {
        const { shared: value } = JSON.parse(line) as { shared?: unknown };
        if (typeof value !== "object" || value === null) throw new Error("not a shared value");
        values.push(shared.adopt(value));
      } else {
        const row = rowOf(JSON.parse(line), values);
        shared.own(row[2]);
        rows.set(row[0], row);
      }
    }
    rest = text.subarray(start);
  }
  if (header || rest.length > 0) throw new Error("cut short");
  return rows;
}

function rowOf(json: unknown, values: readonly unknown[]): Row {
  if (!Array.isArray(json) || typeof json[0] !== "string" || typeof json[1] !== "string")
    throw new Error("not a row");
  const written = json[2] as Partial<WrittenMetadata> | undefined;
  if (typeof written !== "object" || written === null) throw new Error("not a row");
  const { images, crash, ...rest } = written;
  const metadata = { ...rest, images: valueAt(values, images) } as DumpMetadata;
  if (crash !== undefined) metadata.crash = valueAt(values, crash) as CrashFacts;
  json[2] = metadata;
  return json as Row;
}

function valueAt(values: readonly unknown[], number: unknown): never {
  const value = typeof number === "number" ? values[number] : undefined;
  if (value === undefined) throw new Error("not a shared value's number");
  return value as never;
}
