import type { CoreMemory, Segment } from "./core-memory.js";
import type { HeapObjects } from "./heap-walk.js";
import type { LiveGraph, LiveGraphBuilder } from "./live-graph.js";
import type { MapTable } from "./map-table.js";
import { objectLookup } from "./object-index.js";
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
  /** The live graph, when the mark was given a LiveGraphBuilder. */
  graph?: LiveGraph;
}

/**
 * Marks the live heap by a breadth-first walk over strong tagged pointers, first from the global objects
 * (so that an object's path runs from JavaScript where it can), then from every tagged word outside V8's
 * pages that points at an object: stacks, handles and V8's roots live there, and so does stale memory,
 * which makes this an over-approximation of what V8's GC would keep. Weak pointers are not followed.
 * Bodies of objects that hold raw data (string characters, doubles, bytes) are not read, and free space
 * and fillers are never live.
 */
export function markLive(
  memory: CoreMemory,
  objects: HeapObjects,
  maps: MapTable,
  v8: V8Constants,
  isRawBody: (mapIndex: number) => boolean,
  isFree: (mapIndex: number) => boolean,
  pageRanges: ReadonlyArray<{ start: number; end: number }>,
  graph?: LiveGraphBuilder,
): Reachability {
  const count = objects.address.length;
  const parent = new Int32Array(count).fill(-1);
  const reachedFrom = new Uint8Array(count);
  const rootKind = new Uint8Array(count);
  const queue = new Int32Array(count);
  const lookup = objectLookup(objects);
  let head = 0;
  let tail = 0;
  const reach = (index: number, from: number, kind: number) => {
    if (index < 0 || reachedFrom[index] !== 0 || isFree(objects.map[index] as number)) return;
    reachedFrom[index] = kind;
    parent[index] = from;
    queue[tail++] = index;
  };
  let segment: Segment | undefined;
  const drain = () => {
    while (head < tail) {
      // Breadth first, one level at a time, each level in address order: a level reads the pages it
      // needs in one sweep, so that the core's memory can be read a part at a time.
      const levelEnd = tail;
      queue.subarray(head, levelEnd).sort();
      while (head < levelEnd) drainOne(queue[head++] as number);
    }
  };
  const weakKind = graph?.weakKind;
  const drainOne = (index: number) => {
    const mapIndex = objects.map[index] as number;
    graph?.begin();
    if (isRawBody(mapIndex)) return;
    const start = objects.address[index] as number;
    if (!segment || start < segment.start || start >= segment.end) segment = memory.segmentOf(start);
    if (!segment) return;
    const end = Math.min(start + (objects.size[index] as number), segment.end);
    const kind = reachedFrom[index] as number;
    // Inlined rather than forEachTagged: no closure per object on a heap of millions.
    const words = segment.words;
    const first = (start + 8 - segment.start) / 4;
    for (let at = first, last = (end - segment.start) / 4; at < last; at += 2) {
      const low = words[at] as number;
      if ((low & 3) !== 1) continue;
      const target = lookup.ofTagged(low, words[at + 1] as number);
      reach(target, index, kind);
      // The graph's edges: to what the mark keeps (not free space), with the slot for the weak ones.
      if (graph && target >= 0 && reachedFrom[target] !== 0)
        graph.edge(target, (at - first) * 4 + 8, weakKind?.[mapIndex] as number);
    }
  };
  const globalType = v8.type("JSGlobalObject");
  for (let index = 0; index < count; index++) {
    if (maps.maps[objects.map[index] as number]?.instanceType === globalType) {
      rootKind[index] = RootKind.GlobalObject;
      reach(index, -1, 1 + RootKind.GlobalObject);
    }
  }
  drain();
  for (const segment of memory.segments) {
    for (const gap of gapsOutside(segment, pageRanges)) {
      forEachTagged(segment, gap.start, gap.end, (target) => {
        const index = lookup.of(target - 1);
        if (index < 0 || reachedFrom[index] !== 0 || isFree(objects.map[index] as number)) return;
        rootKind[index] = RootKind.NativeMemory;
        reach(index, -1, 1 + RootKind.NativeMemory);
      });
    }
  }
  drain();
  holdInternalizedStrings(objects, maps, v8, reachedFrom, rootKind);
  if (!graph) return { parent, reachedFrom, rootKind, live: tail };
  return {
    parent,
    reachedFrom,
    rootKind,
    live: tail,
    graph: graph.finish(objects, queue.slice(0, tail), rootKind),
  };
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
  const internalized = new Set(v8.typesWhoseEnumMatches(/INTERNALIZED/));
  for (let index = 0; index < objects.address.length; index++) {
    if (reachedFrom[index] === 0 || rootKind[index] !== RootKind.None) continue;
    const type = maps.maps[objects.map[index] as number]?.instanceType;
    if (type !== undefined && internalized.has(type)) rootKind[index] = RootKind.StringTable;
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
