import type { CoreMemory, Segment } from "./core-memory.js";
import { growableInt32, growableUint32 } from "./growable.js";
import type { HeapObjects } from "./heap-walk.js";
import type { MapTable } from "./map-table.js";
import { objectLookup } from "./object-index.js";
import { releaseMemory } from "./release-memory.js";
import type { V8Constants } from "./v8-constants.js";

/**
 * The heap as a graph in typed arrays (CSR), what the mark and dominators.ts read: node i is object i (in
 * address order), and node `root` (the last, one past the objects) is the synthetic root, whose edges lead
 * to the objects the mark started from (global objects, objects held from native memory, internalized
 * strings). Edges are the strong pointers of every object's body (not its map word) to objects that are
 * not free space, less the slots that V8 holds weakly although their pointers are strong, as DevTools
 * counts them:
 * - a WeakMap's or WeakSet's table (EphemeronHashTable): neither its keys nor its values are held by the
 *   table; each value is held by its key instead (an ephemeron: it lives as long as its key does),
 * - a WeakRef's target, a FinalizationRegistry cell's target and unregister token,
 * - a Map's dependent code,
 * - all of an obsolete JSMap's or JSSet's table, the link to the table that replaced it and the entries it
 *   copied there (V8 keeps the old one for the iterators still on it; the new one is the collection's):
 *   else a stale pointer to a long-gone table, such as V8's set of a turn's WeakRef targets, would seem
 *   to retain all that the newest table holds.
 * The mark follows those weak slots all the same (HeapEdges.weak*), and not the keys' ephemeron edges.
 * Pointers tagged weak (transitions, feedback, weak arrays) are no edges at all.
 */
export interface LiveGraph {
  /** Objects plus the root. */
  nodeCount: number;
  root: number;
  firstEdge: Uint32Array;
  edgeTargets: Uint32Array;
}

/** The graph, and what the mark follows besides (or not) of it. */
export interface HeapEdges {
  /** nodeCount + 1 entries; the root's edges are written by the mark, in room kept for them. */
  firstEdge: Uint32Array;
  edgeTargets: Uint32Array;
  /** Per object: EXTRA if its last edges are ephemeron values it holds as their key, WEAK if it has weak slots. */
  special: Uint8Array;
  /** How many ephemeron edges an object with EXTRA ends with. */
  extras: Map<number, number>;
  /** The weak slots' (source, target) pairs, by source in address order: what the mark alone follows. */
  weakSources: Int32Array;
  weakTargets: Int32Array;
}

export const EDGE_EXTRA = 1;
export const EDGE_WEAK = 2;

/** How a Map's objects hold some of their slots weakly (0: all strong). */
const WEAK_NONE = 0;
const WEAK_EPHEMERON_TABLE = 1;
const WEAK_REF = 2;
const WEAK_CELL = 3;
const WEAK_MAP_OBJECT = 4;
const WEAK_ORDERED_TABLE = 5;

/** EphemeronHashTable: map, length, then elements count, deleted count, capacity, then (key, value) pairs. */
const EPHEMERON_ENTRIES_AT = 16 + 3 * 8;
/** JSWeakRef: map, properties, elements, target. */
const WEAK_REF_TARGET_AT = 24;
/** WeakCell: map, finalization registry, target, unregister token, holdings … */
const WEAK_CELL_TARGET_AT = 16;
const WEAK_CELL_TOKEN_AT = 24;
/** JSCollection: map, properties, elements, table. */
const COLLECTION_TABLE_AT = 24;
/** OrderedHashMap, OrderedHashSet: map, length, then the element count, or the next table once obsolete. */
const ORDERED_TABLE_NEXT_AT = 16;

const MAX_EDGES = 2 ** 32 - 1;

/** Per Map index: WEAK_* of its objects (reads the addresses: before they are put aside). */
export function weakKinds(
  objects: HeapObjects,
  maps: MapTable,
  memory: CoreMemory,
  v8: V8Constants,
): Uint8Array {
  const weakKind = new Uint8Array(maps.maps.length);
  const mapDependentCodeAt = v8.field("Map", "dependent_code", -1);
  const byType = new Map<number, number>([
    [v8.type("JSWeakRef"), WEAK_REF],
    [v8.type("WeakCell"), WEAK_CELL],
    [v8.type("Map"), WEAK_MAP_OBJECT],
  ]);
  byType.delete(-1);
  if (mapDependentCodeAt < 0) byType.delete(v8.type("Map"));
  // V8 exports no type for its hash tables: each is known by what a collection's table slot holds.
  const tableKinds = [
    { holders: ["JSWeakMap", "JSWeakSet"], kind: WEAK_EPHEMERON_TABLE },
    { holders: ["JSMap"], kind: WEAK_ORDERED_TABLE },
    { holders: ["JSSet"], kind: WEAK_ORDERED_TABLE },
  ];
  for (const { holders, kind } of tableKinds) {
    const type = tableTypeOf(
      holders.map((name) => v8.type(name)),
      objects,
      maps,
      memory,
      v8,
    );
    if (type !== undefined) byType.set(type, kind);
  }
  for (let mapIndex = 0; mapIndex < maps.maps.length; mapIndex++) {
    weakKind[mapIndex] = byType.get(maps.maps[mapIndex]?.instanceType ?? -1) ?? WEAK_NONE;
  }
  return weakKind;
}

/** The instance type of the table that the first collection of one of `holderTypes` holds, if V8 exports none for it. */
function tableTypeOf(
  holderTypes: number[],
  objects: HeapObjects,
  maps: MapTable,
  memory: CoreMemory,
  v8: V8Constants,
): number | undefined {
  const holders = new Set(holderTypes.filter((type) => type >= 0));
  for (let index = 0; index < objects.address.length; index++) {
    if (!holders.has(maps.maps[objects.map[index] as number]?.instanceType ?? -1)) continue;
    const table = memory.word((objects.address[index] as number) + COLLECTION_TABLE_AT);
    const mapWord = table !== undefined && table % 2 === 1 ? memory.word(table - 1) : undefined;
    const type = mapWord === undefined ? undefined : maps.maps[maps.indexOfTagged(mapWord)]?.instanceType;
    return type !== undefined && !v8.typeNames.has(type) ? type : undefined;
  }
  return undefined;
}

/** What a pass over the heap reads with: the core, its objects and maps, and which maps hold no pointers. */
export interface HeapScan {
  memory: CoreMemory;
  objects: HeapObjects;
  maps: MapTable;
  v8: V8Constants;
  /** Objects of the map whose bodies hold no pointers (strings, byte arrays …). */
  isRawBody: (mapIndex: number) => boolean;
  /** Free space and fillers: not objects. */
  isFree: (mapIndex: number) => boolean;
}

/**
 * Builds the graph of every object in one pass over the core in address order (sequential reads, a
 * segment at a time), its edges pushed to blocks and then moved, a block at a time, into one array with
 * room for the ephemeron edges and the root's (`rootRoom`). The objects' addresses come from the lookup's
 * bitmap (objects.address may be put aside meanwhile). Memory: 4 bytes per edge and per object, and a
 * block of edges (32 MiB) while they move, besides a byte per object while the mark runs (`special`).
 */
export function buildHeapEdges(scan: HeapScan, rootRoom: number, weakKind: Uint8Array): HeapEdges {
  const { memory, objects, maps, v8, isRawBody, isFree } = scan;
  const count = objects.map.length;

  const mapDependentCodeAt = v8.field("Map", "dependent_code", -1);
  const lookup = objectLookup(objects);
  const rawMap = new Uint8Array(maps.maps.length);
  const freeMap = new Uint8Array(maps.maps.length);
  for (let mapIndex = 0; mapIndex < maps.maps.length; mapIndex++) {
    rawMap[mapIndex] = isRawBody(mapIndex) ? 1 : 0;
    freeMap[mapIndex] = isFree(mapIndex) ? 1 : 0;
  }
  const mapOf = objects.map;
  // Each object's own edge count at index + 1, then (prefix sums) where its edges start.
  const firstEdge = new Uint32Array(count + 2);
  const special = new Uint8Array(count);
  const ownTargets = growableUint32();
  const weakSources = growableInt32();
  const weakTargets = growableInt32();
  const ephemeronKeys = growableInt32();
  const ephemeronValues = growableInt32();

  let segment: Segment | undefined;
  lookup.forEachStart((index: number, start: number) => {
    const mapIndex = mapOf[index] as number;
    if (rawMap[mapIndex] === 1) return;
    if (!segment || start < segment.start || start >= segment.end) segment = memory.segmentOf(start);
    if (!segment) return;
    const end = Math.min(start + (objects.size[index] as number), segment.end);
    const kind = weakKind[mapIndex] as number;
    const words = segment.words;
    const first = (start + 8 - segment.start) / 4;
    let own = 0;
    let pendingKey = -1;
    let obsolete = false;
    for (let at = first, last = (end - segment.start) / 4; at < last; at += 2) {
      const low = words[at] as number;
      if ((low & 3) !== 1) continue;
      const target = lookup.ofTagged(low, words[at + 1] as number);
      if (target < 0 || freeMap[mapOf[target] as number] === 1) continue;
      if (kind !== WEAK_NONE) {
        const offset = (at - first) * 4 + 8;
        let weak = false;
        if (kind === WEAK_EPHEMERON_TABLE) {
          if (offset >= EPHEMERON_ENTRIES_AT) {
            weak = true;
            if ((offset - EPHEMERON_ENTRIES_AT) % 16 === 0) pendingKey = target;
            else if (pendingKey >= 0) {
              ephemeronKeys.push(pendingKey);
              ephemeronValues.push(target);
              pendingKey = -1;
            }
          }
        } else if (kind === WEAK_REF) weak = offset === WEAK_REF_TARGET_AT;
        else if (kind === WEAK_CELL) weak = offset === WEAK_CELL_TARGET_AT || offset === WEAK_CELL_TOKEN_AT;
        else if (kind === WEAK_MAP_OBJECT) weak = offset === mapDependentCodeAt;
        else if (kind === WEAK_ORDERED_TABLE) {
          obsolete ||= offset === ORDERED_TABLE_NEXT_AT;
          weak = obsolete;
        }
        if (weak) {
          weakSources.push(index);
          weakTargets.push(target);
          special[index] = (special[index] as number) | EDGE_WEAK;
          continue;
        }
      }
      ownTargets.push(target);
      own++;
    }
    firstEdge[index + 1] = own;
  });
  for (let index = 0; index < count; index++)
    firstEdge[index + 1] = (firstEdge[index + 1] as number) + (firstEdge[index] as number);
  const ownTotal = firstEdge[count] as number;
  const ephemerons = ephemeronEdges(ephemeronKeys.toArray(), ephemeronValues.toArray());
  const total = ownTotal + ephemerons.values.length + rootRoom;
  if (total > MAX_EDGES) throw new RangeError(`${total} edges: more than the graph holds`);
  const edgeTargets = new Uint32Array(total);
  ownTargets.moveInto(edgeTargets, 0, releaseMemory);
  const extras = placeEphemeronEdges(ephemerons, firstEdge, edgeTargets, ownTotal);
  for (const key of extras.keys()) special[key] = (special[key] as number) | EDGE_EXTRA;
  firstEdge[count + 1] = firstEdge[count] as number;
  return {
    firstEdge,
    edgeTargets,
    special,
    extras,
    weakSources: weakSources.toArray(),
    weakTargets: weakTargets.toArray(),
  };
}

/**
 * Adds the ephemeron edges (key → value pairs, in any order) to a graph of `ownTotal` edges: each key's
 * follow its own, `firstEdge` (nodes + 1 entries at least) is shifted to match, and `edgeTargets` must have
 * room for them after its own. Returns each key's count of them.
 */
export function insertEphemeronEdges(
  keys: Int32Array,
  values: Int32Array,
  firstEdge: Uint32Array,
  edgeTargets: Uint32Array,
  ownTotal: number,
): Map<number, number> {
  return placeEphemeronEdges(ephemeronEdges(keys, values), firstEdge, edgeTargets, ownTotal);
}

/** The ephemeron edges, from each key to the values it holds: keys ascending, each key's values as met. */
interface EphemeronEdges {
  keys: Int32Array;
  /** How many values each key (of `keys`) holds. */
  counts: Int32Array;
  values: Int32Array;
}

function ephemeronEdges(keys: Int32Array, values: Int32Array): EphemeronEdges {
  const order = Array.from(keys.keys()).sort((a, b) => (keys[a] as number) - (keys[b] as number) || a - b);
  const sortedValues = new Int32Array(order.length);
  const unique = growableInt32();
  const counts = growableInt32();
  let last = -1;
  let run = 0;
  for (const [at, pair] of order.entries()) {
    sortedValues[at] = values[pair] as number;
    const key = keys[pair] as number;
    if (key !== last && run > 0) {
      unique.push(last);
      counts.push(run);
      run = 0;
    }
    last = key;
    run++;
  }
  if (run > 0) {
    unique.push(last);
    counts.push(run);
  }
  return { keys: unique.toArray(), counts: counts.toArray(), values: sortedValues };
}

/**
 * Moves the edges apart so that each key's ephemeron edges follow its own (the mark, which does not follow
 * them, skips a key's last `extras` edges), from the last key down so that each edge moves once, and
 * shifts `firstEdge` to match. Returns each key's count of them.
 */
function placeEphemeronEdges(
  ephemerons: EphemeronEdges,
  firstEdge: Uint32Array,
  edgeTargets: Uint32Array,
  ownTotal: number,
): Map<number, number> {
  const { keys, counts, values } = ephemerons;
  const extras = new Map<number, number>();
  if (keys.length === 0) return extras;
  let shift = values.length;
  let tailEnd = ownTotal;
  let valueEnd = values.length;
  for (let at = keys.length - 1; at >= 0; at--) {
    const key = keys[at] as number;
    const many = counts[at] as number;
    const insertAt = firstEdge[key + 1] as number;
    edgeTargets.copyWithin(insertAt + shift, insertAt, tailEnd);
    shift -= many;
    edgeTargets.set(values.subarray(valueEnd - many, valueEnd), insertAt + shift);
    valueEnd -= many;
    tailEnd = insertAt;
    extras.set(key, many);
  }
  // Each object's edges start after the ephemeron edges of the keys before it.
  let added = 0;
  let nextKey = 0;
  for (let index = 0; index < firstEdge.length - 1; index++) {
    firstEdge[index] = (firstEdge[index] as number) + added;
    if (nextKey < keys.length && keys[nextKey] === index) added += counts[nextKey++] as number;
  }
  return extras;
}

/** Where the weak pairs of `source` start in `sources` (sorted), by binary search. */
export function firstPairOf(sources: Int32Array, source: number): number {
  let low = 0;
  let high = sources.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sources[middle] as number) < source) low = middle + 1;
    else high = middle;
  }
  return low;
}
