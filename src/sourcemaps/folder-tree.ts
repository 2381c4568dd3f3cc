import { open, realpath } from "node:fs/promises";
import path from "node:path";
import type { SourceTree, TreeFile, TreeRequest } from "./source-tree.js";

/**
 * A local build folder (`--source-maps DIR`, `COREDUMP_SOURCE_MAPS`) standing for the container's tree, for
 * images that no longer exist. A path of the container (`/app/dist/server.js.map`) is looked for under the
 * folder by its longest tail that is there (`DIR/app/dist/server.js.map`, `DIR/dist/server.js.map`,
 * `DIR/server.js.map`). Only files inside the folder are read: a tail is a normalised path without `..`,
 * and a file whose real path (links followed) leaves the folder is missing.
 */
export class FolderTree implements SourceTree {
  readonly label: string;
  private root: string | undefined;

  constructor(private readonly folder: string) {
    this.label = `the folder ${folder}`;
  }

  async read(requests: readonly TreeRequest[]): Promise<Map<string, TreeFile>> {
    const found = new Map<string, TreeFile>();
    for (const request of requests) found.set(request.path, await this.readOne(request));
    return found;
  }

  private async readOne({ path: wanted, limit }: TreeRequest): Promise<TreeFile> {
    const root = await this.realRoot();
    if (root === undefined) return { state: "unreadable", why: `${this.label} cannot be read` };
    const parts = wanted.split("/").filter((part) => part !== "" && part !== "." && part !== "..");
    for (let start = 0; start < parts.length; start++) {
      const candidate = path.join(root, ...parts.slice(start));
      const real = await realpath(candidate).catch(() => undefined);
      if (real === undefined || !real.startsWith(root + path.sep)) continue;
      const file = await readBounded(real, limit);
      if (file === undefined) continue;
      if (file.tooLarge !== undefined) return { state: "too-large", bytes: file.tooLarge, where: candidate };
      return { state: "file", text: file.text, where: candidate };
    }
    return { state: "missing" };
  }

  private async realRoot(): Promise<string | undefined> {
    this.root ??= await realpath(this.folder).catch(() => undefined);
    return this.root;
  }
}

/** A regular file's text, or its size when over `limit`; undefined when it is no regular file. */
async function readBounded(
  file: string,
  limit: number,
): Promise<{ text: string; tooLarge?: undefined } | { tooLarge: number; text?: undefined } | undefined> {
  const handle = await open(file, "r").catch(() => undefined);
  if (!handle) return undefined;
  try {
    const info = await handle.stat();
    if (!info.isFile()) return undefined;
    if (info.size > limit) return { tooLarge: info.size };
    return { text: await handle.readFile("utf8") };
  } finally {
    await handle.close();
  }
}
