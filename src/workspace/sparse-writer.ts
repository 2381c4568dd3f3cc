import type { FileHandle } from "node:fs/promises";
import { Writable } from "node:stream";

const BLOCK = 4096;
const ZEROS = Buffer.alloc(BLOCK);

/**
 * Writes a stream to a file, leaving every all-zero block as a hole. Cores are mostly zeros (a 51 MB
 * Node core is 7.6 MB on disk), so this saves most of the writing as well as the space. The file's
 * length is set at the end, so trailing zeros are holes too.
 */
export class SparseWriter extends Writable {
  /** Bytes of the file so far, holes included. */
  position = 0;
  /** Bytes actually written, holes excluded. */
  written = 0;
  private carry: Buffer | undefined;

  constructor(private readonly file: FileHandle) {
    super({ highWaterMark: 4 * 1024 * 1024 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    const data = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    const whole = data.length - (data.length % BLOCK);
    // Only whole blocks are judged; the rest waits for the next chunk so that blocks stay aligned.
    this.carry = whole < data.length ? Buffer.from(data.subarray(whole)) : undefined;
    this.writeBlocks(data.subarray(0, whole)).then(() => done(), done);
  }

  override _final(done: (error?: Error | null) => void): void {
    const rest = this.carry ?? Buffer.alloc(0);
    this.carry = undefined;
    this.writeBlocks(rest)
      .then(() => this.file.truncate(this.position))
      .then(() => done(), done);
  }

  /** Writes the runs of non-zero blocks of `data`, which starts at `position`. */
  private async writeBlocks(data: Buffer): Promise<void> {
    let runStart = -1;
    for (let offset = 0; offset < data.length; offset += BLOCK) {
      const block = data.subarray(offset, offset + BLOCK);
      const zero = block.equals(block.length === BLOCK ? ZEROS : ZEROS.subarray(0, block.length));
      if (!zero && runStart < 0) runStart = offset;
      if (zero && runStart >= 0) {
        await this.writeRun(data.subarray(runStart, offset), this.position + runStart);
        runStart = -1;
      }
    }
    if (runStart >= 0) await this.writeRun(data.subarray(runStart), this.position + runStart);
    this.position += data.length;
  }

  private async writeRun(run: Buffer, at: number): Promise<void> {
    let done = 0;
    while (done < run.length) {
      const { bytesWritten } = await this.file.write(run, done, run.length - done, at + done);
      done += bytesWritten;
    }
    this.written += run.length;
  }
}
