import type { HeapObjects } from "./heap-walk.js";

/** The index of the object that starts at `address`, by binary search over the walk's sorted addresses; -1 if none. */
export function objectAt(objects: HeapObjects, address: number): number {
  const addresses = objects.address;
  let low = 0;
  let high = addresses.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const value = addresses[middle] as number;
    if (value < address) low = middle + 1;
    else if (value > address) high = middle - 1;
    else return middle;
  }
  return -1;
}
