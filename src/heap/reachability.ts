import type { CoreMemory, Segment } from "./core-memory.js";
import { growableInt32 } from "./growable.js";
import type { HeapObjects } from "./heap-walk.js";
import { EDGE_EXTRA, EDGE_WEAK, firstPairOf, type HeapEdges, type LiveGraph } from "./live-graph.js";
import type { MapTable } from "./map-table.js";
import { objectLookup } from "./object-index.js";
import { releaseMemory } from "./release-memory.js";
import type { SpillFile } from "./spill.js";
import type { V8Constants } from "./v8-constants.js";

const TWO_32 = 2 ** 32;

/** How an object is held when it is a root of the walk. */
export const RootKind = { None: 0, GlobalObject: 1, NativeMemory: 2, StringTable: 3 } as const;

/** Which objects are live, and for each the object it was first reached from (a shortest path tree). */
export interface Reachability {
  /** Parent object index; -1 for a root and for an object never reached. */
  parent: Int32Array;
  /** 0 when unreached, else 1 + the root kind it was reached from. */
  reachedFrom: Uint8Array;
  rootKind: Uint8Array;
  live: number;
  /** The heap's graph, with the root's edges written, when the mark was asked to keep it (retained.ts consumes it). */
  graph?: LiveGraph;
}

/**
 * The objects that native memory points at: every tagged word outside V8's pages that points at an object
 * start (not free space), in the order met. Stacks, handles and V8's roots live there, and so does stale
 * memory, which makes the mark an over-approximation of what V8's GC would keep. Found once, before the
 * graph is built: its count is the room the graph keeps for the root's edges (`rootRoom`), and the mark
 * starts from them.
 */
export function nativeRoots(
  memory: CoreMemory,
  objects: HeapObjects,
  isFree: (mapIndex: number) => boolean,
  pageRanges: ReadonlyArray<{ start: number; end: number }>,
): Int32Array {
  const native = growableInt32();
  const lookup = objectLookup(objects);
  for (const segment of memory.segments) {
    for (const gap of gapsOutside(segment, pageRanges)) {
      forEachTagged(segment, gap.start, gap.end, (target) => {
        const index = lookup.of(target - 1);
        if (index >= 0 && !isFree(objects.map[index] as number)) native.push(index);
      });
    }
  }
  return native.toArray();
}

/**
 * Marks the live heap by a breadth-first walk over the heap's graph (HeapEdges: strong tagged pointers,
 * weak slots included), first from the global objects (so that an object's path runs from JavaScript where
 * it can), then from `native` (nativeRoots). Weak pointers are not followed. Free space and fillers are
 * never live (they are no edges' targets). With `keepGraph`, the root's edges are written into the graph's
 * room for them and the graph is returned as `graph`; else the caller lets go of it.
 */
export function markLive(
  objects: HeapObjects,
  maps: MapTable,
  v8: V8Constants,
  native: Int32Array,
  edges: HeapEdges,
  keepGraph: boolean,
  spill?: SpillFile,
): Reachability {
  const count = objects.map.length;
  const parent = new Int32Array(count).fill(-1);
  const reachedFrom = new Uint8Array(count);
  const rootKind = new Uint8Array(count);
  const queue = new Int32Array(count);
  const { firstEdge, edgeTargets, special, extras, weakSources, weakTargets } = edges;
  let head = 0;
  let tail = 0;
  const reach = (index: number, from: number, kind: number) => {
    if (reachedFrom[index] !== 0) return;
    reachedFrom[index] = kind;
    parent[index] = from;
    queue[tail++] = index;
  };
  const drain = () => {
    while (head < tail) {
      const index = queue[head++] as number;
      const kind = reachedFrom[index] as number;
      const flags = special[index] as number;
      let end = firstEdge[index + 1] as number;
      if (flags & EDGE_EXTRA) end -= extras.get(index) as number;
      for (let e = firstEdge[index] as number; e < end; e++) {
        const target = edgeTargets[e] as number;
        if (reachedFrom[target] === 0) reach(target, index, kind);
      }
      if (flags & EDGE_WEAK) {
        for (let pair = firstPairOf(weakSources, index); weakSources[pair] === index; pair++)
          reach(weakTargets[pair] as number, index, kind);
      }
    }
  };
  // The roots: the global objects first. Then the Maps wait in `spill`, if given, while the walk runs: it
  // reads none.
  const globals = indicesOfTypes(objects, maps, [v8.type("JSGlobalObject")]);
  const mapsAside = spill?.spill(objects.map);
  if (mapsAside) {
    objects.map = new Int32Array(0);
    releaseMemory();
  }
  for (const index of globals) {
    rootKind[index] = RootKind.GlobalObject;
    reach(index, -1, 1 + RootKind.GlobalObject);
  }
  drain();
  for (const index of native) {
    if (reachedFrom[index] !== 0) continue;
    rootKind[index] = RootKind.NativeMemory;
    reach(index, -1, 1 + RootKind.NativeMemory);
  }
  drain();
  if (mapsAside) objects.map = mapsAside.restore();
  holdInternalizedStrings(objects, maps, v8, reachedFrom, rootKind);
  const live = tail;
  if (!keepGraph) return { parent, reachedFrom, rootKind, live };
  // The root's edges, in the room kept after the objects' edges: to every root of the mark.
  const root = count;
  let at = firstEdge[root] as number;
  for (let index = 0; index < count; index++) {
    if (rootKind[index] === RootKind.None) continue;
    if (at >= edgeTargets.length) throw new Error("markLive: more roots than the graph kept room for");
    edgeTargets[at++] = index;
  }
  firstEdge[root + 1] = at;
  return {
    parent,
    reachedFrom,
    rootKind,
    live,
    graph: { nodeCount: count + 1, root, firstEdge, edgeTargets },
  };
}

/** The most roots markLive can find, given the native ones: room for them in the graph. */
export function rootRoom(objects: HeapObjects, maps: MapTable, v8: V8Constants, native: Int32Array): number {
  const flags = mapsOfTypes(maps, [v8.type("JSGlobalObject"), ...v8.typesWhoseEnumMatches(/INTERNALIZED/)]);
  let room = native.length;
  for (let index = 0; index < objects.map.length; index++)
    room += flags[objects.map[index] as number] as number;
  return room;
}

/** Per Map index, 1 when its instance type is one of `types`. */
function mapsOfTypes(maps: MapTable, types: readonly number[]): Uint8Array {
  const wanted = new Set(types);
  const flags = new Uint8Array(maps.maps.length);
  for (let mapIndex = 0; mapIndex < maps.maps.length; mapIndex++)
    flags[mapIndex] = wanted.has(maps.maps[mapIndex]?.instanceType ?? -1) ? 1 : 0;
  return flags;
}

/** The objects of those instance types, in address order. */
function indicesOfTypes(objects: HeapObjects, maps: MapTable, types: readonly number[]): Int32Array {
  const flags = mapsOfTypes(maps, types);
  const found = growableInt32();
  for (let index = 0; index < objects.map.length; index++)
    if (flags[objects.map[index] as number] === 1) found.push(index);
  return found.toArray();
}

/**
 * V8's string table holds every internalized string, as Node's own snapshot shows under `(Internalized
 * strings)`: such a string is never retained by one object alone, even where the table (off the heap) was
 * not what first reached it. Since V8 14 (Node 26) a Map's string keys are internalized, so that without
 * this a Map would seem to retain its keys.
 */
function holdInternalizedStrings(
  objects: HeapObjects,
  maps: MapTable,
  v8: V8Constants,
  reachedFrom: Uint8Array,
  rootKind: Uint8Array,
): void {
  const internalized = mapsOfTypes(maps, v8.typesWhoseEnumMatches(/INTERNALIZED/));
  for (let index = 0; index < objects.map.length; index++) {
    if (reachedFrom[index] === 0 || rootKind[index] !== RootKind.None) continue;
    if (internalized[objects.map[index] as number] === 1) rootKind[index] = RootKind.StringTable;
  }
}

/** Calls `visit` with each strong tagged pointer (low bits 01) in [start, end) of a segment. */
export function forEachTagged(
  segment: Segment,
  start: number,
  end: number,
  visit: (tagged: number) => void,
): void {
  const words = segment.words;
  for (let at = (start - segment.start) / 4, last = (end - segment.start) / 4; at < last; at += 2) {
    const low = words[at] as number;
    if ((low & 3) === 1) visit(low + (words[at + 1] as number) * TWO_32);
  }
}

/** The parts of a segment that lie outside V8's pages. */
function gapsOutside(
  segment: Segment,
  pageRanges: ReadonlyArray<{ start: number; end: number }>,
): Array<{ start: number; end: number }> {
  const gaps: Array<{ start: number; end: number }> = [];
  let at = segment.start;
  for (const range of pageRanges) {
    if (range.end <= at || range.start >= segment.end) continue;
    if (range.start > at) gaps.push({ start: at, end: range.start });
    at = Math.max(at, range.end);
  }
  if (at < segment.end) gaps.push({ start: at, end: segment.end });
  return gaps;
}
