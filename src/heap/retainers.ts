import { EdgeNamer } from "./edge-names.js";
import { RootKind } from "./reachability.js";
import type { LoadedHeap } from "./read-heap.js";

export interface RetainerStep {
  /** The object's group, as the histogram names it (`(global)` for a global object). */
  name: string;
  /** How it is held by the step before: a property name, `[index]`, a context variable, `Map entry …`; for the first step, the root. */
  edge: string;
}

export interface RetainerPath {
  path: RetainerStep[];
}

const MAX_PATHS = 3;
const MAX_DEPTH = 200;

/**
 * Up to three shortest retainer paths to objects of group `name`, from the mark's breadth-first tree:
 * paths from a global object first, then paths from native memory (handles, stacks, V8's roots).
 */
export function findRetainers(heap: LoadedHeap, name: string): RetainerPath[] {
  const { objects, live, names } = heap;
  const candidates: Array<{ index: number; depth: number; fromGlobal: boolean }> = [];
  for (let index = 0; index < objects.address.length; index++) {
    if (live.reachedFrom[index] === 0 || names.groupOf(objects.map[index] as number) !== name) continue;
    let depth = 0;
    for (let at = index; at >= 0 && depth < MAX_DEPTH; at = live.parent[at] as number) depth++;
    candidates.push({ index, depth, fromGlobal: live.reachedFrom[index] === 1 + RootKind.GlobalObject });
  }
  candidates.sort(
    (a, b) => Number(b.fromGlobal) - Number(a.fromGlobal) || a.depth - b.depth || a.index - b.index,
  );
  const namer = new EdgeNamer(heap);
  return candidates.slice(0, MAX_PATHS).map((candidate) => ({ path: pathTo(heap, namer, candidate.index) }));
}

function pathTo(heap: LoadedHeap, namer: EdgeNamer, target: number): RetainerStep[] {
  const chain: number[] = [];
  for (let at = target; at >= 0 && chain.length < MAX_DEPTH; at = heap.live.parent[at] as number)
    chain.unshift(at);
  return chain.map((index, position) => {
    const group = heap.names.groupOf(heap.objects.map[index] as number);
    if (position === 0) {
      const global = heap.live.rootKind[index] === RootKind.GlobalObject;
      return {
        name: global ? "(global)" : group,
        edge: global ? "(global object)" : "(native memory: handle, stack or V8 root)",
      };
    }
    const edge = namer.name(chain[position - 2] ?? -1, chain[position - 1] as number, index);
    return { name: group, edge: describe(edge) };
  });
}

function describe(edge: { kind: string; name: string }): string {
  switch (edge.kind) {
    case "element":
      return `[${edge.name}]`;
    case "map entry":
      return `Map entry ${edge.name}`;
    case "context":
      return `context variable ${edge.name}`;
    case "internal":
      return `(${edge.name})`;
    default:
      return edge.name;
  }
}
