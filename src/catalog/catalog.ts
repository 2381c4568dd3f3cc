import type { CrashFacts } from "../crashlog/crash-signature.js";
import type { Store, StoredObject } from "../store/store.js";
import { type Dump, describeDump } from "./dump.js";
import { groupObjects, storedObjectOf } from "./group.js";
import { isRecordsKey } from "./key-name.js";
import type { MetadataCache } from "./metadata-cache.js";
import { type Depth, readMetadata } from "./read-metadata.js";

export interface CatalogOptions {
  cache?: MetadataCache;
  /** Dumps whose metadata is read at once. */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

/** The dumps in a store: listed from key names, described from their JSON where read or cached. */
export class Catalog {
  /** The last listing's objects in records folders (RECORDS_FOLDER): what coredump wrote beside the dumps. */
  recordObjects: StoredObject[] = [];

  constructor(
    readonly store: Store,
    private readonly options: CatalogOptions = {},
  ) {}

  /** Every dump, newest first, from one listing and the cache: no object is read. */
  async dumps(): Promise<Dump[]> {
    const [, listing] = await Promise.all([this.options.cache?.load(), this.store.list()]);
    // One pass: the records (as many keys as the dumps once all are triaged) are not grouped into dumps.
    const records: StoredObject[] = [];
    const dumpObjects: StoredObject[] = [];
    for (const object of listing) (isRecordsKey(object.key) ? records : dumpObjects).push(object);
    this.recordObjects = records;
    const groups = groupObjects(dumpObjects);
    return sortNewestFirst(groups.map((group) => describeDump(group, this.options.cache?.get(group))));
  }

  /**
   * The same dumps with their metadata read where the cache did not have it to the `depth` asked: a
   * listing's (`list`) or everything (`full`, for `info`, `fetch` and `report`).
   */
  async describe(dumps: readonly Dump[], depth: Depth = "full"): Promise<Dump[]> {
    const { cache, onProgress } = this.options;
    const known = (dump: Dump) => dump.metadata !== undefined && (depth === "list" || !dump.metadata.partial);
    const unread = dumps.filter((dump) => !known(dump)).length;
    const described = [...dumps];
    let next = 0;
    let done = 0;
    // A fixed set of workers taking the next dump, not a task per dump: 100,000 waiting tasks were tens of
    // megabytes. The store bounds the requests in flight; this only bounds the work waiting for them.
    const worker = async () => {
      while (next < described.length) {
        const index = next++;
        const dump = described[index];
        if (!dump || known(dump)) continue;
        const read = await readMetadata(this.store, dump.objects, depth);
        described[index] = describeDump(dump.objects, cache?.set(dump.objects, read) ?? read);
        onProgress?.(++done, unread);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 256, unread) }, worker));
    await cache?.save();
    // Dumps come newest first; a dump read may have learnt its time only now.
    return unread === 0 ? described : sortNewestFirst(described);
  }

  /** What `report` found of the dump's crash, remembered while the dump is unchanged. */
  reported(dump: Dump): CrashFacts | undefined {
    return this.options.cache?.reported(dump.objects);
  }

  async rememberReport(dump: Dump, crash: CrashFacts): Promise<void> {
    this.options.cache?.setReported(dump.objects, crash);
    await this.options.cache?.save();
  }
}

/** Newest first, ties by id; each dump's time is taken once, not once per comparison. */
export function sortNewestFirst(dumps: Dump[]): Dump[] {
  return dumps
    .map((dump) => ({ dump, time: timeOf(dump) }))
    .sort((a, b) => b.time - a.time || a.dump.id.localeCompare(b.dump.id))
    .map(({ dump }) => dump);
}

function timeOf(dump: Dump): number {
  return dump.time ?? storedObjectOf(dump.objects)?.modified ?? 0;
}
