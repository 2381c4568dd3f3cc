import { growableUint32 } from "./growable.js";
import type { HeapObjects } from "./heap-walk.js";
import type { MapTable } from "./map-table.js";
import { RootKind } from "./reachability.js";
import type { V8Constants } from "./v8-constants.js";

/**
 * The live heap as a graph in typed arrays (CSR), what dominators.ts reads: node p is the p-th live object
 * in the order the mark drained them (`order[p]` is its object index), and node `root` (the last) is the
 * synthetic root, whose edges lead to the objects the mark started from (global objects, objects held from
 * native memory, internalized strings). Edges are the mark's own strong pointers, recorded as it follows
 * them (the heap is not walked twice), less the slots that V8 holds weakly although their pointers are
 * strong, as DevTools counts them:
 * - a WeakMap's or WeakSet's table (EphemeronHashTable): neither its keys nor its values are held by the
 *   table; each value is held by its key instead (an ephemeron: it lives as long as its key does),
 * - a WeakRef's target, a FinalizationRegistry cell's target and unregister token,
 * - a Map's dependent code.
 * Pointers tagged weak (transitions, feedback, weak arrays) are not followed by the mark at all.
 */
export interface LiveGraph {
  /** Live objects plus the root. */
  nodeCount: number;
  root: number;
  firstEdge: Uint32Array;
  edgeTargets: Uint32Array;
  /** Self size per node (0 for the root). */
  selfSize: Uint32Array;
  /** Object index per node (root excluded). */
  order: Int32Array;
}

/** How a Map's objects hold some of their slots weakly (0: all strong). */
const WEAK_NONE = 0;
const WEAK_EPHEMERON_TABLE = 1;
const WEAK_REF = 2;
const WEAK_CELL = 3;
const WEAK_MAP_OBJECT = 4;

/** EphemeronHashTable: map, length, then elements count, deleted count, capacity, then (key, value) pairs. */
const EPHEMERON_ENTRIES_AT = 16 + 3 * 8;
/** JSWeakRef: map, properties, elements, target. */
const WEAK_REF_TARGET_AT = 24;
/** WeakCell: map, finalization registry, target, unregister token, holdings … */
const WEAK_CELL_TARGET_AT = 16;
const WEAK_CELL_TOKEN_AT = 24;
/** JSCollection: map, properties, elements, table. */
const COLLECTION_TABLE_AT = 24;

/**
 * Collects the edges while markLive drains the objects: `begin` once per object drained (in drain order),
 * then `edge` for each strong pointer to a live object with the slot's offset. Memory: 4 bytes per edge,
 * in blocks, and 4 per live object, then `finish` turns them into the CSR (the blocks let go as they are
 * copied).
 */
export class LiveGraphBuilder {
  /** Per Map index: WEAK_* of its objects. */
  readonly weakKind: Uint8Array;
  private readonly targets = growableUint32();
  private readonly starts = growableUint32();
  /** (key, value) object index pairs of the ephemeron tables: edges from key to value. */
  private readonly ephemerons = growableUint32();
  private pendingKey = -1;
  private readonly mapDependentCodeAt: number;

  constructor(
    objects: HeapObjects,
    maps: MapTable,
    memoryWord: (address: number) => number | undefined,
    v8: V8Constants,
  ) {
    this.weakKind = new Uint8Array(maps.maps.length);
    this.mapDependentCodeAt = v8.field("Map", "dependent_code", -1);
    const byType = new Map<number, number>([
      [v8.type("JSWeakRef"), WEAK_REF],
      [v8.type("WeakCell"), WEAK_CELL],
      [v8.type("Map"), WEAK_MAP_OBJECT],
    ]);
    byType.delete(-1);
    if (this.mapDependentCodeAt < 0) byType.delete(v8.type("Map"));
    // V8 exports no type for EphemeronHashTable: it is what a WeakMap's or WeakSet's table slot holds.
    const weakCollections = new Set([v8.type("JSWeakMap"), v8.type("JSWeakSet")]);
    weakCollections.delete(-1);
    for (let index = 0; index < objects.address.length; index++) {
      if (!weakCollections.has(maps.maps[objects.map[index] as number]?.instanceType ?? -1)) continue;
      const table = memoryWord((objects.address[index] as number) + COLLECTION_TABLE_AT);
      const mapWord = table !== undefined && table % 2 === 1 ? memoryWord(table - 1) : undefined;
      const type = mapWord === undefined ? undefined : maps.maps[maps.indexOfTagged(mapWord)]?.instanceType;
      if (type !== undefined && !v8.typeNames.has(type)) byType.set(type, WEAK_EPHEMERON_TABLE);
      break;
    }
    for (let mapIndex = 0; mapIndex < maps.maps.length; mapIndex++) {
      this.weakKind[mapIndex] = byType.get(maps.maps[mapIndex]?.instanceType ?? -1) ?? WEAK_NONE;
    }
  }

  /** The next object drained starts its edges here. */
  begin(): void {
    this.starts.push(this.targets.length);
    this.pendingKey = -1;
  }

  /** A strong pointer to live object `target` from slot `offset` of an object of weak kind `kind`. */
  edge(target: number, offset: number, kind: number): void {
    if (kind !== WEAK_NONE) {
      if (kind === WEAK_EPHEMERON_TABLE) {
        if (offset < EPHEMERON_ENTRIES_AT) this.targets.push(target);
        else if ((offset - EPHEMERON_ENTRIES_AT) % 16 === 0) this.pendingKey = target;
        else if (this.pendingKey >= 0) {
          this.ephemerons.push(this.pendingKey);
          this.ephemerons.push(target);
          this.pendingKey = -1;
        }
        return;
      }
      if (kind === WEAK_REF && offset === WEAK_REF_TARGET_AT) return;
      if (kind === WEAK_CELL && (offset === WEAK_CELL_TARGET_AT || offset === WEAK_CELL_TOKEN_AT)) return;
      if (kind === WEAK_MAP_OBJECT && offset === this.mapDependentCodeAt) return;
    }
    this.targets.push(target);
  }

  /**
   * The graph, from the mark's drain order (`order`: object index per position, every live object once)
   * and its roots. The builder is spent.
   */
  finish(objects: HeapObjects, order: Int32Array, rootKind: Uint8Array): LiveGraph {
    const live = order.length;
    if (this.starts.length !== live)
      throw new Error(`the graph saw ${this.starts.length} objects drained, the mark ${live}`);
    const position = new Int32Array(objects.address.length).fill(-1);
    for (let p = 0; p < live; p++) position[order[p] as number] = p;
    const root = live;
    // Extra edges per node: its ephemeron values (it is their key), and for the root, the roots.
    const extra = new Uint32Array(live + 1);
    const pairs = this.ephemerons.toArray();
    for (let at = 0; at < pairs.length; at += 2) {
      const key = position[pairs[at] as number] as number;
      pairs[at] = key;
      pairs[at + 1] = position[pairs[at + 1] as number] as number;
      extra[key] = (extra[key] as number) + 1;
    }
    for (let p = 0; p < live; p++)
      if (rootKind[order[p] as number] !== RootKind.None) extra[root] = (extra[root] as number) + 1;
    const starts = this.starts.toArray();
    const recorded = this.targets.length;
    const firstEdge = new Uint32Array(live + 2);
    const ownCount = (p: number) =>
      p >= live ? 0 : (p + 1 < live ? (starts[p + 1] as number) : recorded) - (starts[p] as number);
    for (let p = 0; p <= live; p++)
      firstEdge[p + 1] = (firstEdge[p] as number) + ownCount(p) + (extra[p] as number);
    const edgeTargets = new Uint32Array(firstEdge[live + 1] as number);
    // The recorded edges, in drain order: each node's own, then room for its extras.
    let node = 0;
    let left = ownCount(0);
    let at = firstEdge[0] as number;
    this.targets.drain((value) => {
      while (left === 0) {
        node++;
        left = ownCount(node);
        at = firstEdge[node] as number;
      }
      edgeTargets[at++] = position[value] as number;
      left--;
    });
    // Extras go after each node's own edges: fill from a cursor per node.
    const cursor = new Uint32Array(live + 1);
    for (let p = 0; p <= live; p++) cursor[p] = (firstEdge[p + 1] as number) - (extra[p] as number);
    for (let pair = 0; pair < pairs.length; pair += 2) {
      const key = pairs[pair] as number;
      const slot = cursor[key] as number;
      edgeTargets[slot] = pairs[pair + 1] as number;
      cursor[key] = slot + 1;
    }
    for (let p = 0, slot = cursor[root] as number; p < live; p++) {
      if (rootKind[order[p] as number] !== RootKind.None) edgeTargets[slot++] = p;
    }
    const selfSize = new Uint32Array(live + 1);
    for (let p = 0; p < live; p++) selfSize[p] = objects.size[order[p] as number] as number;
    return { nodeCount: live + 1, root, firstEdge, edgeTargets, selfSize, order };
  }
}
