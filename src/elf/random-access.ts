import { type FileHandle, open } from "node:fs/promises";

/** Reads parts of a file without loading it: cores are gigabytes, their headers a few kilobytes. */
export class RandomAccessFile {
  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
    readonly size: number,
    /** When the file last changed: with its path and size, what tells a file read before from another. */
    readonly mtimeMs: number,
  ) {}

  static async open(path: string): Promise<RandomAccessFile> {
    const handle = await open(path, "r");
    try {
      const { size, mtimeMs } = await handle.stat();
      return new RandomAccessFile(handle, path, size, mtimeMs);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Up to `length` bytes at `offset`: fewer at the end of the file. */
  async readAt(offset: number, length: number): Promise<Buffer> {
    const wanted = Math.max(0, Math.min(length, this.size - offset));
    const buffer = Buffer.alloc(wanted);
    let done = 0;
    while (done < wanted) {
      const { bytesRead } = await this.handle.read(buffer, done, wanted - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return buffer.subarray(0, done);
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

export async function withFile<T>(path: string, use: (file: RandomAccessFile) => Promise<T>): Promise<T> {
  const file = await RandomAccessFile.open(path);
  try {
    return await use(file);
  } finally {
    await file.close();
  }
}
