import { closeSync, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

type Spillable = Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array;

/** Writes and reads of at most this many bytes at a time (a single read or write stops short of 2 GiB). */
const STEP = 256 * 1024 * 1024;

/** A typed array put aside in a SpillFile, read back (once) by `restore`. */
export interface Spilled<T extends Spillable> {
  restore(): T;
}

/**
 * A file of typed arrays put aside while a stage that does not read them needs the memory: the heap's
 * object arrays while dominators.ts runs, say. The file is made in the temporary directory (TMPDIR) with
 * mode 0600 in a directory of mode 0700, and its name is removed at once: nothing is left behind however
 * the process ends, and its space is freed when the file is closed (`close`, or the process's exit).
 */
export class SpillFile {
  private fd: number | undefined;
  private end = 0;

  spill<T extends Spillable>(array: T): Spilled<T> {
    const fd = this.open();
    const offset = this.end;
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    for (let done = 0; done < bytes.length; ) {
      done += writeSync(fd, bytes, done, Math.min(STEP, bytes.length - done), offset + done);
    }
    this.end += bytes.length;
    const make = array.constructor as new (length: number) => T;
    const length = array.length;
    let restored = false;
    return {
      restore: () => {
        if (restored) throw new Error("SpillFile: an array restored twice");
        restored = true;
        const back = new make(length);
        const into = new Uint8Array(back.buffer, back.byteOffset, back.byteLength);
        for (let done = 0; done < into.length; ) {
          const read = readSync(this.open(), into, done, Math.min(STEP, into.length - done), offset + done);
          if (read === 0) throw new Error("SpillFile: the spill file is shorter than what was written to it");
          done += read;
        }
        return back;
      },
    };
  }

  /** Bytes written so far. */
  get size(): number {
    return this.end;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): number {
    if (this.fd !== undefined) return this.fd;
    const directory = mkdtempSync(path.join(tmpdir(), "coredump-spill-"));
    const file = path.join(directory, "arrays");
    let fd: number | undefined;
    try {
      fd = openSync(file, "wx+", 0o600);
    } finally {
      if (fd !== undefined) unlinkSync(file);
      rmdirSync(directory);
    }
    this.fd = fd;
    return fd;
  }
}
