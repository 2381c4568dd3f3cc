import { isRecordsKey } from "../catalog/key-name.js";
import { type Store, type StoredObject, StoreError } from "../store/store.js";
import { type RecordView, readRecord, viewOf } from "./read-record.js";
import type { TriageRecord } from "./record.js";
import { RecordCache } from "./record-cache.js";
import { dumpOfRecordKey, type RecordPlace } from "./record-place.js";

/** Record reads in flight at once; the store bounds its own requests beneath. */
const READERS = 64;

/** Each dump's record, by `dumpName`: the record's object and what it says. */
export type Records = Map<string, { object: StoredObject; view: RecordView }>;

export interface ReadRecordsOptions {
  cacheDir: string;
  /** The dumps' store's listing of its records folders, when the records live there (Catalog.recordObjects). */
  listed?: readonly StoredObject[];
  /** Only the records of these dumps are read (by `dumpName`); all when absent. */
  wanted?: ReadonlySet<string>;
}

/**
 * The records of a place: listed (or taken from the dumps' own listing), each read once and then from the
 * local cache while its ETag holds. A warm read sends no request beyond the listing.
 */
export async function readRecords(place: RecordPlace, options: ReadRecordsOptions): Promise<Records> {
  const objects = (place.beside && options.listed ? options.listed : await listRecords(place.store)).filter(
    (object) => isRecordsKey(object.key),
  );
  const records: Records = new Map();
  if (objects.length === 0) return records;
  const cache = new RecordCache(options.cacheDir, place.store.description);
  await cache.load();
  const unread: Array<[string, StoredObject]> = [];
  for (const object of objects) {
    const dump = dumpOfRecordKey(place, object.key);
    if (dump === undefined || (options.wanted && !options.wanted.has(dump))) continue;
    const view = cache.get(object.key, object.etag);
    if (view) records.set(dump, { object, view });
    else unread.push([dump, object]);
  }
  let next = 0;
  const reader = async () => {
    while (next < unread.length) {
      const [dump, object] = unread[next++] as [string, StoredObject];
      const bytes = await place.store.read(object.key).catch(absentAsUndefined);
      const record = bytes && readRecord(bytes);
      if (!record) continue;
      const view = viewOf(record);
      cache.set(object.key, object.etag, view);
      records.set(dump, { object, view });
    }
  };
  await Promise.all(Array.from({ length: Math.min(READERS, unread.length) }, reader));
  if (!options.wanted) cache.keepOnly(new Set(objects.map((object) => object.key)));
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
