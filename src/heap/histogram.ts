import type { HeapObjects } from "./heap-walk.js";

export interface TypeCount {
  name: string;
  count: number;
  /** Self size in bytes, as V8 sizes the objects. */
  bytes: number;
  /** With retained sizes: what the instances keep alive together, in bytes. */
  retained?: number;
}

/**
 * Counts and self sizes by group name, largest first (ties by name), of the objects `include` accepts.
 * Counted per Map first (typed arrays indexed by Map), then folded by name: one name lookup per Map, not
 * per object.
 */
export function histogram(
  objects: HeapObjects,
  groupOf: (mapIndex: number) => string,
  include: (index: number) => boolean,
): TypeCount[] {
  let mapCount = 0;
  for (let index = 0; index < objects.map.length; index++)
    mapCount = Math.max(mapCount, (objects.map[index] as number) + 1);
  const counts = new Float64Array(mapCount);
  const bytes = new Float64Array(mapCount);
  for (let index = 0; index < objects.map.length; index++) {
    if (!include(index)) continue;
    const mapIndex = objects.map[index] as number;
    counts[mapIndex] = (counts[mapIndex] as number) + 1;
    bytes[mapIndex] = (bytes[mapIndex] as number) + (objects.size[index] as number);
  }
  const byName = new Map<string, TypeCount>();
  for (let mapIndex = 0; mapIndex < mapCount; mapIndex++) {
    if (counts[mapIndex] === 0) continue;
    const name = groupOf(mapIndex);
    let entry = byName.get(name);
    if (!entry) {
      entry = { name, count: 0, bytes: 0 };
      byName.set(name, entry);
    }
    entry.count += counts[mapIndex] as number;
    entry.bytes += bytes[mapIndex] as number;
  }
  return [...byName.values()].sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
}
