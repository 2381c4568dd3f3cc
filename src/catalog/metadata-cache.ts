import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../workspace/atomic-write.js";
import type { DumpObjects } from "./group.js";
import type { DumpMetadata } from "./read-metadata.js";

const FORMAT = 1;

interface CacheFile {
  format: number;
  entries: Record<string, { signature: string; metadata: DumpMetadata }>;
}

/**
 * What the dumps' JSON said, remembered per store and keyed by the ETags of the objects it came from:
 * a dump whose objects did not change is never read again. Denials are not remembered (credentials
 * change), malformed files are (their ETag pins their content).
 */
export class MetadataCache {
  private entries: CacheFile["entries"] = {};
  private changed = false;
  private readonly file: string;

  constructor(directory: string, storeDescription: string) {
    const name = createHash("sha256").update(storeDescription).digest("hex").slice(0, 20);
    this.file = path.join(directory, "metadata", `${name}.json`);
  }

  async load(): Promise<void> {
    try {
      const parsed = JSON.parse(await readFile(this.file, "utf8")) as CacheFile;
      if (parsed.format === FORMAT && parsed.entries) this.entries = parsed.entries;
    } catch {
      // No cache yet, or an unreadable one: start afresh.
    }
  }

  get(dump: DumpObjects): DumpMetadata | undefined {
    const entry = this.entries[idOf(dump)];
    return entry && entry.signature === signatureOf(dump) ? entry.metadata : undefined;
  }

  set(dump: DumpObjects, metadata: DumpMetadata): void {
    if (metadata.state === "denied") return;
    this.entries[idOf(dump)] = { signature: signatureOf(dump), metadata };
    this.changed = true;
  }

  async save(): Promise<void> {
    if (!this.changed) return;
    // A cache that cannot be written (a read-only or foreign home) only makes the next run slower.
    await writeFileAtomic(
      this.file,
      JSON.stringify({ format: FORMAT, entries: this.entries } satisfies CacheFile),
    ).catch(() => undefined);
    this.changed = false;
  }
}

function idOf(dump: DumpObjects): string {
  return dump.folder + dump.stem;
}

/** The objects metadata is read from, each with its ETag. */
function signatureOf(dump: DumpObjects): string {
  return [dump.zip, dump.dumpInfo, dump.imageInfo, dump.runtimeInfo, dump.legacyInfo]
    .map((object) => (object ? `${object.key}@${object.etag}` : "-"))
    .join("|");
}
