import { type DominatorGraph, dominators, topRetained } from "./dominators.js";
import type { LoadedHeap } from "./read-heap.js";
import { pathTo, type RetainerPath, type RetainerStep, retainerEdges } from "./retainers.js";

/** An object that retains much of the heap: what would be freed with it. */
export interface RetainingObject {
  /** Its group, as the histogram names it (`Map`, `(closure)`, `(system) Context`). */
  name: string;
  /** Bytes: its own size plus those of every object only it keeps alive (the dominator tree's subtree). */
  retained: number;
  /** Bytes of the object itself. */
  self: number;
  /** retained / the live heap's bytes. */
  share: number;
  /** The mark's shortest path from a root, root first (as `heap --retainers`). */
  path: RetainerStep[];
}

/** The heap's retained sizes: what each object, and each group's instances together, keep alive. */
export interface RetainedSizes {
  /** Live bytes, the denominator of the shares. */
  liveBytes: number;
  /** The objects that retain the most, largest first; an object that only wraps a larger one it lists is left out. */
  objects: RetainingObject[];
  /** Per group: what its instances retain together (an instance inside another's counted once). */
  byGroup: Map<string, number>;
  /** Object index → retained bytes (0 for an object kept only through weak references). */
  retainedOf(index: number): number;
}

/** How many of the largest are looked at for the list, before those that only wrap another are left out. */
const CANDIDATES = 200;
/**
 * An object whose retained size is mostly one object it dominates (the global object whose module context
 * holds a Map that holds everything) is not listed: the inner one is what holds the memory.
 */
const WRAPS = 0.9;
/** How far up the dominator tree a listed object's holder is looked for. */
const MAX_CLIMB = 10_000;

/**
 * Dominators and retained sizes of a heap loaded with `{ graph: true }`: the graph is consumed (let go
 * once the dominator tree is built). Memory at the peak: the graph (4 bytes per edge, 12 per live object)
 * plus dominators.ts's 44 bytes per live object and 4 per edge.
 */
export function retainedSizes(heap: LoadedHeap, top: number): RetainedSizes {
  const { idom, retained, order, root } = dominate(heap);
  const { objects, names, maps } = heap;
  let liveBytes = 0;
  for (let p = 0; p < order.length; p++) liveBytes += objects.size[order[p] as number] as number;

  // Per Map, once: its group's number, and whether its objects may be listed (JS objects, closures, contexts).
  const groupIds = new Int32Array(maps.maps.length).fill(-1);
  const listable = new Uint8Array(maps.maps.length);
  const groupNames: string[] = [];
  const byName = new Map<string, number>();
  for (let mapIndex = 0; mapIndex < maps.maps.length; mapIndex++) {
    const map = maps.maps[mapIndex];
    if (!map) continue;
    const name = names.groupOf(mapIndex);
    const id = byName.get(name) ?? groupNames.push(name) - 1;
    byName.set(name, id);
    groupIds[mapIndex] = id;
    const type = map.instanceType;
    listable[mapIndex] = names.isJSReceiver(type) || names.isContext(type) || names.isFunction(type) ? 1 : 0;
  }
  const mapOf = objects.map;
  const byGroup = groupRetained(idom, retained, root, order, mapOf, groupIds, groupNames);
  const isCandidate = (p: number) => p !== root && listable[mapOf[order[p] as number] as number] === 1;
  const candidates = topRetained(retained, Math.max(CANDIDATES, top), isCandidate);
  const listed = new Set(candidates);
  const wrapper = new Set<number>();
  for (const p of candidates) {
    let holder = idom[p] as number;
    for (let climb = 0; holder >= 0 && holder !== root && climb < MAX_CLIMB; climb++) {
      if (isCandidate(holder)) break;
      holder = idom[holder] as number;
    }
    if (listed.has(holder) && (retained[p] as number) >= WRAPS * (retained[holder] as number))
      wrapper.add(holder);
  }
  const edges = retainerEdges(heap);
  const chosen = [...candidates].filter((p) => !wrapper.has(p) && (retained[p] as number) > 0).slice(0, top);
  const list = chosen.map((p) => {
    const index = order[p] as number;
    const size = retained[p] as number;
    const path = pathTo(heap, edges, index);
    return {
      // The last step's name: `(global)` for a global object, as paths name it.
      name: path.at(-1)?.name ?? names.groupOf(objects.map[index] as number),
      retained: size,
      self: objects.size[index] as number,
      share: liveBytes > 0 ? size / liveBytes : 0,
      path,
    };
  });
  const position = new Int32Array(objects.address.length).fill(-1);
  for (let p = 0; p < order.length; p++) position[order[p] as number] = p;
  return {
    liveBytes,
    objects: list,
    byGroup,
    retainedOf: (index) => {
      const p = position[index] as number;
      return p < 0 ? 0 : (retained[p] as number);
    },
  };
}

/** The dominator tree of the heap's graph, which is let go (its edges as soon as dominators.ts has read them). */
function dominate(heap: LoadedHeap): {
  idom: Int32Array;
  retained: Float64Array;
  order: Int32Array;
  root: number;
} {
  // No local reference to the graph: its edges are let go while dominators.ts runs.
  const order = heap.live.graph?.order;
  const root = heap.live.graph?.root;
  if (!order || root === undefined) throw new Error("retainedSizes: the heap was loaded without its graph");
  const { idom, retained } = dominators(takeGraph(heap));
  return { idom, retained, order, root };
}

/** The heap's graph as dominators.ts's input, which then holds the only reference to its edges. */
function takeGraph(heap: LoadedHeap): DominatorGraph {
  const graph = heap.live.graph as NonNullable<LoadedHeap["live"]["graph"]>;
  heap.live.graph = undefined;
  const { nodeCount, root, firstEdge, edgeTargets, selfSize } = graph;
  return { nodeCount, root, firstEdge, edgeTargets, selfSize, consume: true };
}

/**
 * What each group's instances retain together, as DevTools' summary counts it: the retained size of each
 * instance that no other instance of the same group dominates (a depth-first walk of the dominator tree,
 * with a count per group of the instances open on the path).
 */
function groupRetained(
  idom: Int32Array,
  retained: Float64Array,
  root: number,
  order: Int32Array,
  mapOf: Int32Array,
  groupIds: Int32Array,
  groupNames: string[],
): Map<string, number> {
  const n = idom.length;
  const firstChild = new Uint32Array(n + 1);
  for (let v = 0; v < n; v++) {
    const d = idom[v] as number;
    if (d >= 0) firstChild[d + 1] = (firstChild[d + 1] as number) + 1;
  }
  for (let v = 0; v < n; v++) firstChild[v + 1] = (firstChild[v + 1] as number) + (firstChild[v] as number);
  const children = new Int32Array(firstChild[n] as number);
  const fill = firstChild.slice(0, n);
  for (let v = 0; v < n; v++) {
    const d = idom[v] as number;
    if (d < 0) continue;
    const at = fill[d] as number;
    children[at] = v;
    fill[d] = at + 1;
  }
  const totals = new Float64Array(groupNames.length);
  const open = new Int32Array(groupNames.length);
  const stack = new Int32Array(n);
  const cursor = new Uint32Array(n);
  const groupAt = new Int32Array(n);
  let depth = 0;
  stack[0] = root;
  cursor[0] = firstChild[root] as number;
  groupAt[0] = -1;
  while (depth >= 0) {
    const v = stack[depth] as number;
    const at = cursor[depth] as number;
    if (at === firstChild[v + 1]) {
      const group = groupAt[depth] as number;
      if (group >= 0) open[group] = (open[group] as number) - 1;
      depth--;
      continue;
    }
    cursor[depth] = at + 1;
    const child = children[at] as number;
    const group = groupIds[mapOf[order[child] as number] as number] as number;
    if (open[group] === 0) totals[group] = (totals[group] as number) + (retained[child] as number);
    open[group] = (open[group] as number) + 1;
    depth++;
    stack[depth] = child;
    cursor[depth] = firstChild[child] as number;
    groupAt[depth] = group;
  }
  const byGroup = new Map<string, number>();
  for (const [id, name] of groupNames.entries()) byGroup.set(name, totals[id] as number);
  return byGroup;
}

/** Paths to the instances of `name` that retain the most, each with what it retains. */
export function retainersByRetained(
  heap: LoadedHeap,
  sizes: RetainedSizes,
  name: string,
  count: number,
): RetainerPath[] {
  const { objects, live, names } = heap;
  const found: Array<{ index: number; retained: number }> = [];
  for (let index = 0; index < objects.address.length; index++) {
    if (live.reachedFrom[index] === 0 || names.groupOf(objects.map[index] as number) !== name) continue;
    found.push({ index, retained: sizes.retainedOf(index) });
  }
  found.sort((a, b) => b.retained - a.retained || a.index - b.index);
  const edges = retainerEdges(heap);
  return found.slice(0, count).map(({ index, retained }) => ({
    path: pathTo(heap, edges, index),
    retained,
    share: sizes.liveBytes > 0 ? retained / sizes.liveBytes : 0,
  }));
}
