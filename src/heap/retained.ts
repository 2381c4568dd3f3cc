import { type DominatorGraph, dominators, topRetained } from "./dominators.js";
import type { Dominance, LoadedHeap } from "./loaded-heap.js";
import { releaseMemory } from "./release-memory.js";
import { pathTo, type RetainerPath, type RetainerStep, retainerEdges } from "./retainers.js";
import { type Spilled, SpillFile } from "./spill.js";

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

/** Per Map: its group's number (the histogram's names), and whether its objects may be listed (JS objects, closures, contexts). */
function mapGroups(
  maps: LoadedHeap["maps"],
  names: LoadedHeap["names"],
): { groupIds: Int32Array; listable: Uint8Array; groupNames: string[] } {
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
  return { groupIds, listable, groupNames };
}

/**
 * Dominators and retained sizes over the mark's graph (`live.graph`, consumed: let go once dominators.ts
 * has read it). The caller has put aside in `spill` the per-object arrays dominators.ts does not read
 * (addresses, sizes: `size` gives them back); the Maps and the mark's arrays wait there too while it runs,
 * so that the peak is the graph and dominators.ts's own arrays, not those besides.
 */
export function computeDominance(
  heap: Pick<LoadedHeap, "objects" | "live" | "maps" | "names">,
  spill: SpillFile,
  size: Spilled<Uint32Array>,
  groupTotals = true,
): Dominance {
  const { objects, live, maps, names } = heap;
  const { groupIds, groupNames } = mapGroups(maps, names);
  const map = spill.spill(objects.map);
  objects.map = new Int32Array(0);
  const parent = spill.spill(live.parent);
  live.parent = new Int32Array(0);
  const reachedFrom = spill.spill(live.reachedFrom);
  live.reachedFrom = new Uint8Array(0);
  const rootKind = spill.spill(live.rootKind);
  live.rootKind = new Uint8Array(0);
  const { idom, retainedWords, root } = dominateInWords(heap, size);
  const idomFile = new SpillFile();
  let byGroup = new Map<string, number>();
  if (groupTotals) {
    // The sizes dominators.ts read last wait again while the groups are counted.
    const sizeAgain = spill.spill(objects.size);
    objects.size = new Uint32Array(0);
    releaseMemory();
    objects.map = map.restore();
    byGroup = groupRetained(idom, retainedWords, root, objects.map, groupIds, groupNames);
    releaseMemory();
    objects.size = sizeAgain.restore();
  } else objects.map = map.restore();
  live.parent = parent.restore();
  live.reachedFrom = reachedFrom.restore();
  live.rootKind = rootKind.restore();
  // Only the listed objects' holders are looked up (retainedSizes): the tree waits on disk.
  const idomEntries = idomFile.spillForReads(idom);
  idomFile.close();
  return { idom: idomEntries, retainedWords, root, byGroup };
}

/** The dominator tree, with retained sizes in 8-byte words (a function of its own: once it returns, the bytes can go). */
function dominateInWords(
  heap: Pick<LoadedHeap, "objects" | "live">,
  size: Spilled<Uint32Array>,
): { idom: Int32Array; retainedWords: Uint32Array; root: number } {
  const { idom, retained, root } = dominate(heap, () => {
    heap.objects.size = size.restore();
    return heap.objects.size;
  });
  const retainedWords = new Uint32Array(retained.length);
  for (let node = 0; node < retained.length; node++) retainedWords[node] = (retained[node] as number) / 8;
  return { idom, retainedWords, root };
}

/**
 * The objects that retain the most and the groups' retained sizes, from a heap loaded with
 * `{ graph: true }` (its `dominance`).
 */
export function retainedSizes(heap: LoadedHeap, top: number): RetainedSizes {
  const { objects, names, maps, live } = heap;
  if (!heap.dominance) throw new Error("retainedSizes: the heap was loaded without its graph");
  const { idom, retainedWords: retained, root, byGroup } = heap.dominance;
  const { listable } = mapGroups(maps, names);
  let liveBytes = 0;
  for (let index = 0; index < objects.size.length; index++)
    if (live.reachedFrom[index] !== 0) liveBytes += objects.size[index] as number;
  const mapOf = objects.map;
  const isCandidate = (p: number) => p !== root && listable[mapOf[p] as number] === 1;
  const candidates = topRetained(retained, Math.max(CANDIDATES, top), isCandidate);
  const listed = new Set(candidates);
  const wrapper = new Set<number>();
  for (const p of candidates) {
    let holder = idom.at(p);
    for (let climb = 0; holder >= 0 && holder !== root && climb < MAX_CLIMB; climb++) {
      if (isCandidate(holder)) break;
      holder = idom.at(holder);
    }
    if (listed.has(holder) && (retained[p] as number) >= WRAPS * (retained[holder] as number))
      wrapper.add(holder);
  }
  const edges = retainerEdges(heap);
  const chosen = [...candidates].filter((p) => !wrapper.has(p) && (retained[p] as number) > 0).slice(0, top);
  const list = chosen.map((index) => {
    const size = (retained[index] as number) * 8;
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
  return {
    liveBytes,
    objects: list,
    byGroup,
    retainedOf: (index) => (retained[index] as number) * 8,
  };
}

/** The dominator tree of the heap's graph, which is let go (its edges as soon as dominators.ts has read them). */
function dominate(
  heap: Pick<LoadedHeap, "live">,
  selfSize: () => Uint32Array,
): {
  idom: Int32Array;
  retained: Float64Array;
  root: number;
} {
  const { graph, root } = takeGraph(heap, selfSize);
  // No reference to the graph's edges but dominators.ts's (not even a local here): they go while it runs.
  const { idom, retained } = dominators(graph);
  return { idom, retained, root };
}

function takeGraph(
  heap: Pick<LoadedHeap, "live">,
  selfSize: () => Uint32Array,
): { graph: DominatorGraph; root: number } {
  const graph = heap.live.graph;
  if (!graph) throw new Error("computeDominance: the mark kept no graph");
  heap.live.graph = undefined;
  // The root, one past the objects, has no size of its own.
  return { graph: { ...graph, selfSize, consume: true }, root: graph.root };
}

/**
 * What each group's instances retain together, as DevTools' summary counts it: the retained size of each
 * instance that no other instance of the same group dominates (a depth-first walk of the dominator tree,
 * with a count per group of the instances open on the path).
 */
function groupRetained(
  idom: Int32Array,
  retainedWords: Uint32Array,
  root: number,
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
  // Fill with firstChild[d] as the cursor of d: afterwards it holds the start of d + 1, so shift it back.
  for (let v = 0; v < n; v++) {
    const d = idom[v] as number;
    if (d < 0) continue;
    const at = firstChild[d] as number;
    children[at] = v;
    firstChild[d] = at + 1;
  }
  for (let v = n; v > 0; v--) firstChild[v] = firstChild[v - 1] as number;
  firstChild[0] = 0;
  const totals = new Float64Array(groupNames.length);
  const open = new Int32Array(groupNames.length);
  // The walk's stack: as deep as the dominator tree, grown when needed.
  let stack = new Int32Array(1024);
  let cursor = new Uint32Array(1024);
  let groupAt = new Int32Array(1024);
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
    const group = groupIds[mapOf[child] as number] as number;
    if (open[group] === 0) totals[group] = (totals[group] as number) + (retainedWords[child] as number) * 8;
    open[group] = (open[group] as number) + 1;
    depth++;
    if (depth === stack.length) {
      stack = grown(stack, new Int32Array(depth * 2));
      cursor = grown(cursor, new Uint32Array(depth * 2));
      groupAt = grown(groupAt, new Int32Array(depth * 2));
    }
    stack[depth] = child;
    cursor[depth] = firstChild[child] as number;
    groupAt[depth] = group;
  }
  const byGroup = new Map<string, number>();
  for (const [id, name] of groupNames.entries()) byGroup.set(name, totals[id] as number);
  return byGroup;
}

function grown<T extends Int32Array | Uint32Array>(from: T, into: T): T {
  into.set(from);
  return into;
}

/** Paths to the instances of `name` that retain the most, each with what it retains. */
export function retainersByRetained(
  heap: LoadedHeap,
  sizes: RetainedSizes,
  name: string,
  count: number,
): RetainerPath[] {
  const { objects, live, names } = heap;
  const ofGroup = names.mapsInGroup(name);
  const found: Array<{ index: number; retained: number }> = [];
  for (let index = 0; index < objects.address.length; index++) {
    if (live.reachedFrom[index] === 0 || ofGroup[objects.map[index] as number] !== 1) continue;
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
