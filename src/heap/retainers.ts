import type { LoadedHeap } from "./loaded-heap.js";
import { RootKind } from "./reachability.js";
import { SnapshotEdges } from "./snapshot/snapshot-edges.js";

export interface RetainerStep {
  /** The object's group, as the histogram names it (`(global)` for a global object). */
  name: string;
  /** How it is held by the step before: a property name, `[index]`, a context variable, `Map entry …`; for the first step, the root. */
  edge: string;
}

export interface RetainerPath {
  path: RetainerStep[];
  /** With retained sizes (`heap --retained`): what the path's last object retains, in bytes … */
  retained?: number;
  /** … and as a share of the live heap. */
  share?: number;
}

const MAX_PATHS = 3;
const MAX_DEPTH = 200;

/**
 * Up to three shortest retainer paths to objects of group `name`, from the mark's breadth-first tree:
 * paths from a global object first, then paths from native memory (handles, stacks, V8's roots).
 */
export function findRetainers(heap: LoadedHeap, name: string): RetainerPath[] {
  const { objects, live, names } = heap;
  const ofGroup = names.mapsInGroup(name);
  // The best MAX_PATHS in address order, kept as met (a list of at most three, sorted).
  const best: Candidate[] = [];
  for (let index = 0; index < objects.address.length; index++) {
    if (live.reachedFrom[index] === 0 || ofGroup[objects.map[index] as number] !== 1) continue;
    let depth = 0;
    for (let at = index; at >= 0 && depth < MAX_DEPTH; at = live.parent[at] as number) depth++;
    const candidate = { index, depth, fromGlobal: live.reachedFrom[index] === 1 + RootKind.GlobalObject };
    if (best.length === MAX_PATHS && !before(candidate, best[MAX_PATHS - 1] as Candidate)) continue;
    best.push(candidate);
    best.sort((a, b) => (before(a, b) ? -1 : 1));
    if (best.length > MAX_PATHS) best.pop();
  }
  const edges = retainerEdges(heap);
  return best.map((candidate) => ({ path: pathTo(heap, edges, candidate.index) }));
}

interface Candidate {
  index: number;
  depth: number;
  fromGlobal: boolean;
}

/** Paths from a global object first, then the shortest, then the first in address order. */
function before(a: Candidate, b: Candidate): boolean {
  if (a.fromGlobal !== b.fromGlobal) return a.fromGlobal;
  if (a.depth !== b.depth) return a.depth < b.depth;
  return a.index < b.index;
}

/** What names the edges of paths: the snapshot's edge labels. */
export function retainerEdges(heap: LoadedHeap): SnapshotEdges {
  return new SnapshotEdges(heap, heap.isRawBody);
}

/** The mark's shortest path from a root to object `target`, root first. */
export function pathTo(heap: LoadedHeap, edges: SnapshotEdges, target: number): RetainerStep[] {
  const chain: number[] = [];
  for (let at = target; at >= 0 && chain.length < MAX_DEPTH; at = heap.live.parent[at] as number)
    chain.unshift(at);
  edges.claim(chain);
  return chain.map((index, position) => {
    const group = heap.names.groupOf(heap.objects.map[index] as number);
    if (position === 0) {
      const global = heap.live.rootKind[index] === RootKind.GlobalObject;
      return {
        name: global ? "(global)" : group,
        edge: global ? "(global object)" : "(native memory: handle, stack or V8 root)",
      };
    }
    return { name: group, edge: edgeName(heap, edges, chain[position - 1] as number, index) };
  });
}

/** How `parent` holds `child`, in words: the snapshot's edge label, with a Map's entries and global cells named. */
function edgeName(heap: LoadedHeap, edges: SnapshotEdges, parent: number, child: number): string {
  const offset = slotOf(heap, parent, child);
  const cell = edges.cellName(child);
  if (cell !== undefined) return cell;
  if (edges.isCollectionTable(parent)) {
    const key = heap.strings.read(heap.memory.word((heap.objects.address[parent] as number) + offset - 8));
    return key === undefined ? "Map entry" : `Map entry ${key}`;
  }
  const [type, name] = edges.label(parent, offset);
  if (type === "element") return `[${name}]`;
  if (type === "context") return `context variable ${name}`;
  if (type === "property") return String(name);
  return type === "hidden" ? `(slot ${name})` : `(${name})`;
}

/** The offset of the first slot of `parent` holding a strong pointer to `child`. */
function slotOf(heap: LoadedHeap, parent: number, child: number): number {
  const start = heap.objects.address[parent] as number;
  const target = (heap.objects.address[child] as number) + 1;
  const size = heap.objects.size[parent] as number;
  for (let offset = 8; offset < size; offset += 8)
    if (heap.memory.word(start + offset) === target) return offset;
  return -1;
}
