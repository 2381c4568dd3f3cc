import pLimit from "p-limit";
import type { Store } from "../store/store.js";
import { type Dump, describeDump } from "./dump.js";
import { groupObjects, storedObjectOf } from "./group.js";
import type { MetadataCache } from "./metadata-cache.js";
import { readMetadata } from "./read-metadata.js";

export interface CatalogOptions {
  cache?: MetadataCache;
  /** Dumps whose metadata is read at once. */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

/** The dumps in a store: listed from key names, described from their JSON where read or cached. */
export class Catalog {
  constructor(
    readonly store: Store,
    private readonly options: CatalogOptions = {},
  ) {}

  /** Every dump, newest first, from one listing and the cache: no object is read. */
  async dumps(): Promise<Dump[]> {
    const [, listing] = await Promise.all([this.options.cache?.load(), this.store.list()]);
    const groups = groupObjects(listing);
    return groups.map((group) => describeDump(group, this.options.cache?.get(group))).sort(newestFirst);
  }

  /** The same dumps with their metadata read where the cache did not have it. */
  async describe(dumps: readonly Dump[]): Promise<Dump[]> {
    const { cache, onProgress } = this.options;
    const limit = pLimit(this.options.concurrency ?? 16);
    const unread = dumps.filter((dump) => !dump.metadata).length;
    let done = 0;
    const described = await Promise.all(
      dumps.map((dump) =>
        dump.metadata
          ? dump
          : limit(async () => {
              const metadata = await readMetadata(this.store, dump.objects);
              cache?.set(dump.objects, metadata);
              onProgress?.(++done, unread);
              return describeDump(dump.objects, metadata);
            }),
      ),
    );
    await cache?.save();
    return described.sort(newestFirst);
  }
}

export function newestFirst(a: Dump, b: Dump): number {
  return timeOf(b) - timeOf(a) || a.id.localeCompare(b.id);
}

function timeOf(dump: Dump): number {
  return dump.timestamp?.getTime() ?? storedObjectOf(dump.objects)?.lastModified.getTime() ?? 0;
}
