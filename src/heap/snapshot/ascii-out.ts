import { closeSync, openSync, readSync } from "node:fs";

const BUFFER_SIZE = 4 << 20;
const COMMA = 44;
const NEWLINE = 10;
const ZERO = 48;

/**
 * A file written through one preallocated buffer: numbers turned into ASCII digits in place, no string per
 * number, and one write(2) per 4 MiB. Synchronous on purpose: the walk that feeds it is synchronous too, and
 * the kernel's page cache makes the writes cheap; an event-loop stream would add a promise per chunk and
 * hold the text as strings.
 */
export class AsciiOut {
  private readonly buffer = Buffer.allocUnsafe(BUFFER_SIZE);
  private at = 0;

  /** `sink` writes all of the bytes it is given, or throws (src/workspace/output-file.ts). */
  constructor(private readonly sink: { write(bytes: Uint8Array): void }) {}

  /** An integer (any safe integer; those from 0 to 2³² − 1 without a string). */
  int(value: number): void {
    if (this.at + 24 > BUFFER_SIZE) this.flush();
    if (value >>> 0 !== value) {
      this.text(String(value));
      return;
    }
    this.at = digits(this.buffer, this.at, value);
  }

  /** `,\n` unless `first`, then `a,b,c`: one record of three unsigned 32-bit numbers, one bounds check. */
  record3(first: boolean, a: number, b: number, c: number): void {
    if ((a | b | c) < 0 || b >>> 0 !== b || a >>> 0 !== a || c >>> 0 !== c) {
      if (!first) this.separator();
      this.int(a);
      this.comma();
      this.int(b);
      this.comma();
      this.int(c);
      return;
    }
    if (this.at + 40 > BUFFER_SIZE) this.flush();
    const buffer = this.buffer;
    let at = this.at;
    if (!first) {
      buffer[at++] = COMMA;
      buffer[at++] = NEWLINE;
    }
    at = digits(buffer, at, a);
    buffer[at++] = COMMA;
    at = digits(buffer, at, b);
    buffer[at++] = COMMA;
    this.at = digits(buffer, at, c);
  }

  /** `,\na,b,c,d,e,0,0`: a node record (five unsigned 32-bit numbers, then trace id and detachedness 0). */
  node(a: number, b: number, c: number, d: number, e: number): void {
    if (this.at + 64 > BUFFER_SIZE) this.flush();
    if (a >>> 0 !== a || b >>> 0 !== b || c >>> 0 !== c || d >>> 0 !== d || e >>> 0 !== e) {
      this.text(`,\n${a},${b},${c},${d},${e},0,0`);
      return;
    }
    const buffer = this.buffer;
    let at = this.at;
    buffer[at++] = COMMA;
    buffer[at++] = NEWLINE;
    at = digits(buffer, at, a);
    buffer[at++] = COMMA;
    at = digits(buffer, at, b);
    buffer[at++] = COMMA;
    at = digits(buffer, at, c);
    buffer[at++] = COMMA;
    at = digits(buffer, at, d);
    buffer[at++] = COMMA;
    at = digits(buffer, at, e);
    buffer[at++] = COMMA;
    buffer[at++] = ZERO;
    buffer[at++] = COMMA;
    buffer[at++] = ZERO;
    this.at = at;
  }

  /** `,` */
  comma(): void {
    if (this.at >= BUFFER_SIZE) this.flush();
    this.buffer[this.at++] = COMMA;
  }

  /** `,\n`, the separator between a snapshot's records. */
  separator(): void {
    if (this.at + 2 > BUFFER_SIZE) this.flush();
    this.buffer[this.at++] = COMMA;
    this.buffer[this.at++] = NEWLINE;
  }

  /** Text, as UTF-8. */
  text(value: string): void {
    if (value.length * 3 > BUFFER_SIZE - this.at) {
      this.flush();
      if (value.length * 3 > BUFFER_SIZE) {
        this.sink.write(Buffer.from(value, "utf8"));
        return;
      }
    }
    const length = this.buffer.write(value, this.at, "utf8");
    this.at += length;
  }

  /** Appends the whole of the file at `path`. */
  append(path: string): void {
    this.flush();
    const fd = openSync(path, "r");
    try {
      for (;;) {
        const length = readSync(fd, this.buffer, 0, BUFFER_SIZE, null);
        if (length === 0) break;
        this.at = length;
        this.flush();
      }
    } finally {
      closeSync(fd);
    }
  }

  flush(): void {
    if (this.at > 0) this.sink.write(this.buffer.subarray(0, this.at));
    this.at = 0;
  }
}

/** Two ASCII digits for each of 00 to 99. */
const PAIRS = Buffer.from(
  Array.from({ length: 100 }, (_, n) => String(n).padStart(2, "0")).join(""),
  "latin1",
);

/** Writes the decimal digits of `value` (0 to 2³² − 1) at `at`; returns where they end. */
function digits(buffer: Buffer, at: number, value: number): number {
  if (value < 10) {
    buffer[at] = ZERO + value;
    return at + 1;
  }
  const count =
    value < 100
      ? 2
      : value < 1000
        ? 3
        : value < 10000
          ? 4
          : value < 100000
            ? 5
            : value < 1000000
              ? 6
              : value < 10000000
                ? 7
                : value < 100000000
                  ? 8
                  : value < 1000000000
                    ? 9
                    : 10;
  const end = at + count;
  let to = end;
  let rest = value;
  while (rest >= 100) {
    const next = (rest / 100) >>> 0;
    const pair = (rest - next * 100) * 2;
    buffer[--to] = PAIRS[pair + 1] as number;
    buffer[--to] = PAIRS[pair] as number;
    rest = next;
  }
  if (rest >= 10) {
    buffer[--to] = PAIRS[rest * 2 + 1] as number;
    buffer[--to] = PAIRS[rest * 2] as number;
  } else buffer[--to] = ZERO + rest;
  return end;
}
