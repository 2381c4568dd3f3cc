import type { DumpObjects } from "../catalog/group.js";
import { isRecordsKey } from "../catalog/key-name.js";
import { type Store, type StoredObject, StoreError } from "../store/store.js";
import { type RecordView, readRecord, viewOf } from "./read-record.js";
import type { TriageRecord } from "./record.js";
import { RecordCache } from "./record-cache.js";
import { dumpName, type RecordPlace, recordDumpOf } from "./record-place.js";

/** Record reads in flight at once; the store bounds its own requests beneath. */
const READERS = 64;

/** A dump's record: its object and what it says. */
export interface FoundRecord {
  object: StoredObject;
  view: RecordView;
}

type DumpRef = Pick<DumpObjects, "folder" | "stem">;

/**
 * Each dump's record, by the dump's folder and stem. Looked up with the strings the dump already holds:
 * a name run together for each of 10,000 dumps was a tenth of a warm `list`'s extra time.
 */
export class Records {
  private readonly folders = new Map<string, Map<string, FoundRecord>>();
  size = 0;

  of(dump: DumpRef): FoundRecord | undefined {
    return this.folders.get(dump.folder)?.get(dump.stem);
  }

  set(dump: DumpRef, found: FoundRecord): void {
    let stems = this.folders.get(dump.folder);
    if (!stems) {
      stems = new Map();
      this.folders.set(dump.folder, stems);
    }
    if (!stems.has(dump.stem)) this.size++;
    stems.set(dump.stem, found);
  }
}

export interface ReadRecordsOptions {
  cacheDir: string;
  /** The dumps' store's listing of its records folders, when the records live there (Catalog.recordObjects). */
  listed?: readonly StoredObject[];
  /** Only the records of these dumps are read (by `dumpName`); all when absent. */
  wanted?: ReadonlySet<string>;
  /** The local cache of the place's records, its loading begun while the dumps were listed (loadRecordCache). */
  cache?: Promise<RecordCache>;
}

/** The local cache of what a place's records said, read from disk. */
export async function loadRecordCache(place: RecordPlace, cacheDir: string): Promise<RecordCache> {
  const cache = new RecordCache(cacheDir, place.store.description);
  await cache.load();
  return cache;
}

/**
 * The records of a place: listed (or taken from the dumps' own listing), each read once and then from the
 * local cache while its ETag holds. A warm read sends no request beyond the listing.
 */
export async function readRecords(place: RecordPlace, options: ReadRecordsOptions): Promise<Records> {
  // Both listings hold records folders' objects alone.
  const objects = place.beside && options.listed ? options.listed : await listRecords(place.store);
  const records = new Records();
  if (objects.length === 0) return records;
  const cache = await (options.cache ?? loadRecordCache(place, options.cacheDir));
  const unread: Array<[DumpRef, StoredObject]> = [];
  let cached = 0;
  for (const object of objects) {
    const dump = recordDumpOf(place, object.key);
    if (dump === undefined || (options.wanted && !options.wanted.has(dumpName(dump)))) continue;
    const view = cache.get(object.key, object.etag);
    if (view) {
      records.set(dump, { object, view });
      cached++;
    } else unread.push([dump, object]);
  }
  let next = 0;
  const reader = async () => {
    while (next < unread.length) {
      const [dump, object] = unread[next++] as [DumpRef, StoredObject];
      const bytes = await place.store.read(object.key).catch(absentAsUndefined);
      const record = bytes && readRecord(bytes);
      if (!record) continue;
      const view = viewOf(record);
      cache.set(object.key, object.etag, view);
      records.set(dump, { object, view });
    }
  };
  await Promise.all(Array.from({ length: Math.min(READERS, unread.length) }, reader));
  // Every row of the cache was listed again and still holds: none to drop, no set of every key to build.
  if (!options.wanted && cached !== cache.size) cache.keepOnly(new Set(objects.map((object) => object.key)));
  await cache.save();
  return records;
}

/** One dump's whole record, read afresh (for `info`); undefined when it has none or it is not one. */
export async function readOneRecord(place: RecordPlace, key: string): Promise<TriageRecord | undefined> {
  const bytes = await place.store.read(key).catch(absentAsUndefined);
  return bytes && readRecord(bytes);
}

async function listRecords(store: Store): Promise<StoredObject[]> {
  return (await store.list()).filter((object) => isRecordsKey(object.key));
}

/** A record removed since the listing, or never written: no record. */
function absentAsUndefined(error: unknown): undefined {
  if (error instanceof StoreError && error.kind === "not-found") return undefined;
  throw error;
}
