import type { HeapObjects } from "./heap-walk.js";
import { LiveLookup } from "./start-lookup.js";

const lookups = new WeakMap<HeapObjects, LiveLookup>();

/**
 * From an address to the index of the object that starts there, in constant time (a bitmap of object
 * starts per 256 KiB slice, built once per walk: about 1/40 of the heap's size), instead of a binary search
 * over every object per pointer.
 */
export function objectLookup(objects: HeapObjects): LiveLookup {
  let lookup = lookups.get(objects);
  if (!lookup) {
    lookup = new LiveLookup(objects, () => true);
    lookups.set(objects, lookup);
  }
  return lookup;
}

/** The index of the object that starts at `address`; -1 if none. */
export function objectAt(objects: HeapObjects, address: number): number {
  return objectLookup(objects).of(address);
}
