import { constants } from "node:fs";
import { open } from "node:fs/promises";
import type { CrashFacts } from "../crashlog/crash-signature.js";
import { crashFactsProblem, imagesProblem, metadataProblem } from "./metadata-cache-shape.js";
import type { DumpMetadata } from "./read-metadata.js";
import type { SharedValues } from "./shared-values.js";

/**
 * Format 4: a first line `{"format":4}`, then a line per row, `[id, etags, metadata, report's crash?]`,
 * read and written row by row, never as one string. What rows share is written once, on a line of its
 * own, `{"shared": value}`, before the first row that uses it; a row's `images` and `crash` are then the
 * number of that line among the shared ones. Thousands of dumps of one crash-looping deployment repeat
 * one image and one crash: their rows are half as long, and are read without comparing the repeats.
 * Format 5 is format 4 with each log crash's frame positions (`at`), which groups maps through source maps.
 * Format 3 wrote each row whole, format 2 the rows as one JSON document, format 1 keyed objects.
 */
export const FORMAT = 5;
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

/** A cache file that cannot be used as it is: not a regular file, or a row that is not one. */
export class UnusableCacheError extends Error {}

/**
 * The rows of a cache file, read a piece at a time: a whole file of 100,000 rows is tens of megabytes,
 * which a listing would hold beside the rows. A file of another format, cut short or not made of rows
 * throws; one that is not a regular file (a named pipe would block the read forever) or holds a row of the
 * wrong shapes throws an UnusableCacheError.
 */
export async function readCacheFile(file: string, shared: SharedValues): Promise<Map<string, Row>> {
  // Opened without waiting for a writer, then looked at: only a regular file is read.
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    if (!(await handle.stat()).isFile()) throw new UnusableCacheError("not a regular file");
    return await readRows(handle.createReadStream({ highWaterMark: READ_PIECE, autoClose: false }), shared);
  } finally {
    await handle.close();
  }
}

async function readRows(stream: AsyncIterable<Buffer>, shared: SharedValues): Promise<Map<string, Row>> {
  const rows = new Map<string, Row>();
  const values: unknown[] = [];
  const checked = new Map<Check, Set<unknown>>();
  let header = true;
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of stream) {
    const text = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let end = text.indexOf(10); end >= 0; start = end + 1, end = text.indexOf(10, start)) {
      const line = text.toString("utf8", start, end);
      if (header) {
        if (line !== HEADER) throw new Error("another format");
        header = false;
      } else if (line.startsWith("{")) {
        const { shared: value } = parseRow(line) as { shared?: unknown };
        if (typeof value !== "object" || value === null) throw new UnusableCacheError("not a shared value");
        values.push(shared.adopt(value));
      } else {
        const row = rowOf(parseRow(line), values, checked);
        shared.own(row[2]);
        rows.set(row[0], row);
      }
    }
    rest = text.subarray(start);
  }
  if (header || rest.length > 0) throw new Error("cut short");
  return rows;
}

function parseRow(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new UnusableCacheError("a row that is not JSON");
  }
}

type Check = (value: unknown) => string | undefined;

function rowOf(json: unknown, values: readonly unknown[], checked: Map<Check, Set<unknown>>): Row {
  if (!Array.isArray(json) || typeof json[0] !== "string" || typeof json[1] !== "string" || json.length > 4)
    throw new UnusableCacheError("not a row");
  const written = json[2] as Partial<WrittenMetadata> | undefined;
  if (typeof written !== "object" || written === null) throw new UnusableCacheError("not a row");
  const { images, crash, ...rest } = written;
  shaped(metadataProblem(rest), "metadata");
  if (json[3] !== undefined) shaped(crashFactsProblem(json[3]), "report's crash");
  const metadata = { ...rest, images: checkedValue(values, images, checked, imagesProblem) } as DumpMetadata;
  if (crash !== undefined)
    metadata.crash = checkedValue(values, crash, checked, crashFactsProblem) as CrashFacts;
  json[2] = metadata;
  return json as Row;
}

function shaped(problem: string | undefined, what: string): void {
  if (problem !== undefined) throw new UnusableCacheError(`a row's ${what}: ${problem}`);
}

/** A shared value, checked the first time a row uses it (as images, or as a crash). */
function checkedValue(
  values: readonly unknown[],
  number: unknown,
  checked: Map<Check, Set<unknown>>,
  problem: Check,
): never {
  const value = typeof number === "number" ? values[number] : undefined;
  if (value === undefined) throw new UnusableCacheError("not a shared value's number");
  const seen = checked.get(problem) ?? new Set();
  checked.set(problem, seen);
  if (!seen.has(value)) {
    shaped(problem(value), "shared value");
    seen.add(value);
  }
  return value as never;
}
