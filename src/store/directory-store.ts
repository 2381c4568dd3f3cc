import { createReadStream } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { type Store, type StoredObject, StoreError } from "./store.js";

/** A folder of dumps, such as the read-only `/cores` mount of the 2020 debug pod. */
export class DirectoryStore implements Store {
  readonly description: string;
  private readonly root: string;

  constructor(root: string, prefix = "") {
    this.root = path.resolve(root, prefix);
    this.description = this.root;
  }

  async list(): Promise<StoredObject[]> {
    const entries = await readdir(this.root, { recursive: true, withFileTypes: true }).catch(
      (error: unknown) => {
        throw translateRoot(error, this.root);
      },
    );
    const files = entries.filter((entry) => entry.isFile());
    return Promise.all(
      files.map((entry) => {
        const full = path.join(entry.parentPath ?? entry.path, entry.name);
        return this.stat(path.relative(this.root, full).split(path.sep).join("/"));
      }),
    );
  }

  async stat(key: string): Promise<StoredObject> {
    const info = await stat(this.pathOf(key)).catch((error: unknown) => {
      throw translate(error, key);
    });
    return {
      key,
      size: info.size,
      etag: `${info.size}-${Math.trunc(info.mtimeMs)}`,
      modified: info.mtimeMs,
    };
  }

  async readRange(key: string, start: number, end: number): Promise<Buffer> {
    const handle = await open(this.pathOf(key), "r").catch((error: unknown) => {
      throw translate(error, key);
    });
    try {
      const buffer = Buffer.alloc(Math.max(0, end - start));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  read(key: string): Promise<Buffer> {
    return readFile(this.pathOf(key)).catch((error: unknown) => {
      throw translate(error, key);
    });
  }

  async stream(
    key: string,
    range?: { start: number; end?: number },
    signal?: AbortSignal,
  ): Promise<Readable> {
    await this.stat(key);
    const end = range?.end === undefined ? undefined : range.end - 1;
    if (end !== undefined && end < (range?.start ?? 0)) return Readable.from([]);
    return createReadStream(this.pathOf(key), {
      start: range?.start ?? 0,
      ...(end === undefined ? {} : { end }),
      signal,
    });
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      await rm(this.pathOf(key), { force: true }).catch((error: unknown) => {
        throw translate(error, key);
      });
    }
  }

  /** Written beside and renamed into place: a reader never sees half of it. */
  async put(key: string, body: Buffer): Promise<StoredObject> {
    const file = this.pathOf(key);
    const temporary = `${file}.${process.pid}-${Date.now().toString(36)}.partial`;
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(temporary, body, { flag: "wx" });
      await rename(temporary, file);
    } catch (error) {
      await rm(temporary, { force: true });
      throw translate(error, key);
    }
    return this.stat(key);
  }

  /** Keys come from listings and user input alike: never let one leave the root. */
  private pathOf(key: string): string {
    const full = path.resolve(this.root, key);
    if (full !== this.root && !full.startsWith(this.root + path.sep)) {
      throw new StoreError("not-found", `${key}: not inside ${this.root}`);
    }
    return full;
  }
}

/** The folder of dumps itself: said as the folder it should be, with the flag that names it. */
function translateRoot(error: unknown, root: string): StoreError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOTDIR")
    return new StoreError("other", `${root} is a file, not a folder: give --dir the folder of dumps`, {
      cause: error,
    });
  if (code === "ENOENT")
    return new StoreError("not-found", `${root}: no such folder: give --dir the folder of dumps`, {
      cause: error,
    });
  return translate(error, root);
}

function translate(error: unknown, what: string): StoreError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new StoreError("not-found", `${what}: no such file`, { cause: error });
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
    return new StoreError("denied", `${what}: permission denied`, { cause: error });
  }
  return new StoreError("other", `${what}: ${(error as Error).message}`, { cause: error });
}
