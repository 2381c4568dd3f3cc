import type { HeapObjects } from "./heap-walk.js";

export interface TypeCount {
  name: string;
  count: number;
  /** Self size in bytes, as V8 sizes the objects. */
  bytes: number;
  /** With retained sizes: what the instances keep alive together, in bytes. */
  retained?: number;
}

/** Counts and self sizes by group name, largest first (ties by name), of the objects `include` accepts. */
export function histogram(
  objects: HeapObjects,
  groupOf: (mapIndex: number) => string,
  include: (index: number) => boolean,
): TypeCount[] {
  const byName = new Map<string, TypeCount>();
  for (let index = 0; index < objects.address.length; index++) {
    if (!include(index)) continue;
    const name = groupOf(objects.map[index] as number);
    let entry = byName.get(name);
    if (!entry) {
      entry = { name, count: 0, bytes: 0 };
      byName.set(name, entry);
    }
    entry.count++;
    entry.bytes += objects.size[index] as number;
  }
  return [...byName.values()].sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
}
