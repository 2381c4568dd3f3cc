import { closeSync, openSync, readSync, writeSync } from "node:fs";

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
  private readonly fd: number;
  private readonly buffer = Buffer.allocUnsafe(BUFFER_SIZE);
  private at = 0;
  /** Bytes written so far, flushed or not. */
  written = 0;

  constructor(path: string) {
    this.fd = openSync(path, "w", 0o600);
  }

  /** A non-negative or negative integer (any safe integer). */
  int(value: number): void {
    if (this.at + 24 > BUFFER_SIZE) this.flush();
    const buffer = this.buffer;
    if (value < 0 || value >= 2 ** 31 || value !== Math.floor(value)) {
      this.text(String(value));
      return;
    }
    if (value < 10) {
      buffer[this.at++] = ZERO + value;
      this.written++;
      return;
    }
    let digits = 1;
    for (let rest = value; rest >= 10; rest = (rest / 10) | 0) digits++;
    let at = this.at + digits;
    this.at = at;
    this.written += digits;
    for (let rest = value; rest > 0; ) {
      const next = (rest / 10) | 0;
      buffer[--at] = ZERO + rest - next * 10;
      rest = next;
    }
  }

  /** `,` */
  comma(): void {
    if (this.at >= BUFFER_SIZE) this.flush();
    this.buffer[this.at++] = COMMA;
    this.written++;
  }

  /** `,\n`, the separator between a snapshot's records. */
  separator(): void {
    if (this.at + 2 > BUFFER_SIZE) this.flush();
    this.buffer[this.at++] = COMMA;
    this.buffer[this.at++] = NEWLINE;
    this.written += 2;
  }

  /** Text, as UTF-8. */
  text(value: string): void {
    if (value.length * 3 > BUFFER_SIZE - this.at) {
      this.flush();
      if (value.length * 3 > BUFFER_SIZE) {
        const bytes = Buffer.from(value, "utf8");
        writeSync(this.fd, bytes);
        this.written += bytes.length;
        return;
      }
    }
    const length = this.buffer.write(value, this.at, "utf8");
    this.at += length;
    this.written += length;
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
        this.written += length;
        this.flush();
      }
    } finally {
      closeSync(fd);
    }
  }

  flush(): void {
    for (let done = 0; done < this.at; ) done += writeSync(this.fd, this.buffer, done, this.at - done);
    this.at = 0;
  }

  close(): void {
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
    }
  }
}
