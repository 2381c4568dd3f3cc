import type { Store, StoredObject } from "../store/store.js";
import { RemoteZip } from "./zip-directory.js";

/**
 * The zip last opened from each store, with the blocks it read: fetching a dump reuses the directory and
 * metadata entries that describing it read just before. One per store, so that listing many zips keeps
 * only the last. Set only once an open has fully succeeded.
 */
const lastOpened = new WeakMap<Store, { key: string; etag: string; size: number; zip: RemoteZip }>();

/** The directory of a zip in the store: read again only if another zip was opened from the store since. */
export async function openStoredZip(store: Store, object: StoredObject): Promise<RemoteZip> {
  const last = lastOpened.get(store);
  if (last && last.key === object.key && last.etag === object.etag && last.size === object.size)
    return last.zip;
  const zip = await RemoteZip.open((start, end) => store.readRange(object.key, start, end), object.size);
  lastOpened.set(store, { key: object.key, etag: object.etag, size: object.size, zip });
  return zip;
}
