import { closeSync, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

type Spillable = Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array;

/** Writes and reads of at most this many bytes at a time (a single read or write stops short of 2 GiB). */
const STEP = 256 * 1024 * 1024;

/** A typed array put aside in a SpillFile, read back (once) by `restore`. */
export interface Spilled<T extends Spillable> {
  restore(): T;
  /** Where it starts in the file. */
  readonly offset: number;
}

/** An Int32Array in a spill file, read an entry at a time; -1 past its end. */
export interface SpilledEntries {
  readonly length: number;
  at(index: number): number;
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
  private keptOpen = false;

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
      offset,
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

  /**
   * Puts an Int32Array aside for good, to be read an entry at a time (a read of 4 bytes each): for an
   * array of which a few entries are asked for. The file is closed once the reader is collected.
   */
  spillForReads(array: Int32Array): SpilledEntries {
    const aside = this.spill(array);
    const offset = aside.offset;
    const fd = this.open();
    const length = array.length;
    const one = new Int32Array(1);
    const bytes = new Uint8Array(one.buffer);
    const reader = {
      length,
      at: (index: number): number => {
        if (!Number.isInteger(index) || index < 0 || index >= length) return -1;
        if (readSync(fd, bytes, 0, 4, offset + index * 4) !== 4)
          throw new Error("SpillFile: the spill file is shorter than what was written to it");
        return one[0] as number;
      },
    };
    closeWhenCollected.register(reader, fd);
    this.keptOpen = true;
    return reader;
  }

  /** Bytes written so far. */
  get size(): number {
    return this.end;
  }

  /** Closes the file, unless an array was put aside for reads (spillForReads): then its reader closes it. */
  close(): void {
    if (this.fd !== undefined && !this.keptOpen) closeSync(this.fd);
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

const closeWhenCollected = new FinalizationRegistry<number>((fd) => closeSync(fd));
