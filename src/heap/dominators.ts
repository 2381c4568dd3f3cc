import { releaseMemory } from "./release-memory.js";
import { type Spilled, SpillFile } from "./spill.js";

/**
 * Dominators and retained sizes of a graph held in typed arrays (CSR), as DevTools computes them from a
 * heap snapshot: a node's retained size is what would be freed if it went, its own size plus the retained
 * sizes of the nodes it immediately dominates. Weak edges never retain.
 *
 * Algorithm: Lengauer–Tarjan, the simple version (link–eval forest with path compression), O(E log N), in
 * two sweeps so that no bucket lists are needed (step 3). Not semi-NCA: its walk up the dominator tree is
 * quadratic when a deep DFS path ends in many nodes the root also holds (a long linked list whose last
 * element holds a large array, say); the unit test "a deep chain whose end holds many nodes" is that
 * graph. Everything is iterative (a chain of millions of nodes does not touch the JavaScript stack) and
 * works in DFS preorder numbers over typed arrays, with no object per node. A vertex with one predecessor
 * (most of a heap) has no list and takes no step of the forest's evaluation.
 *
 * Memory, besides the caller's input: per node, `pre`, `vertex` and `parent` (12 bytes) for the DFS and
 * the predecessors (4 bytes per node and per edge into a vertex with two or more, 1 byte per node), then
 * `semi`, `label` and `ancestor` (12 bytes) for steps 3 and 4, then `idom` and the Float64Array `retained`
 * (12 bytes). Each step runs in a function of its own and what it alone read goes after it; with
 * `consume`, the caller's edges go after step 2, and `vertex` (and `parent` during step 2) wait in a spill
 * file (spill.ts): at the peak, 8 bytes per node and the edges, or 25 bytes per node and 4 per edge into
 * the vertices with several predecessors.
 */

export interface DominatorGraph {
  /** Number of nodes, indexed 0 … nodeCount - 1. */
  nodeCount: number;
  /** The node everything hangs from (for a heap, the synthetic root above the GC roots). */
  root: number;
  /** The out-edges of node v are edgeTargets[firstEdge[v]] … edgeTargets[firstEdge[v + 1] - 1]. */
  firstEdge: Uint32Array;
  edgeTargets: Uint32Array;
  /**
   * Which edges are weak, by edge index (a flag array, nonzero = weak, or a predicate). A weak edge never
   * counts: a node reached only through weak edges is unreachable here, retained by nobody.
   */
  weak?: Uint8Array | ((edge: number) => boolean);
  /**
   * Each node's own size (0 for the last node, where the array stops one short: a heap's root), or what
   * gives it when it is first read, after the dominator tree is built: a caller that put it aside.
   */
  selfSize: Float64Array | Uint32Array | (() => Float64Array | Uint32Array);
  /**
   * Let go of `firstEdge`, `edgeTargets` and `weak` once read (the object's fields become empty arrays):
   * for a caller that keeps no other reference to them, their memory is free for the rest of the work.
   */
  consume?: boolean;
}

export interface Dominators {
  /** Immediate dominator per node; -1 for the root and for nodes unreachable from it. */
  idom: Int32Array;
  /** Self size plus the retained sizes of the nodes immediately dominated; 0 for unreachable nodes. */
  retained: Float64Array;
  /** How many nodes are reachable from the root through strong edges (the root included). */
  reachable: number;
}

/** Computes immediate dominators and retained sizes; throws a RangeError on a malformed graph (a bug). */
export function dominators(graph: DominatorGraph): Dominators {
  const { nodeCount: n, selfSize } = graph;
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new RangeError(`bad node count ${n}`);
  if (typeof selfSize !== "function" && selfSize.length < n - 1)
    throw new RangeError(`selfSize has ${selfSize.length} entries for ${n} nodes`);
  if (n === 0) return { idom: new Int32Array(0), retained: new Float64Array(0), reachable: 0 };
  // Each step in a function of its own, its arrays in `search`: once a step returns, no frame holds what
  // only it read, and it can go (the edges after step 2, the predecessors and the forest after step 4).
  const search = depthFirst(graph);
  const count = search.count;
  let spill: SpillFile | undefined;
  let vertexAside: Spilled<Int32Array> | undefined;
  let parentAside: Spilled<Int32Array> | undefined;
  if (graph.consume) {
    // Step 2 reads neither `vertex` nor `parent`, steps 3 and 4 not `vertex`: they wait in a spill file.
    spill = new SpillFile();
    vertexAside = spill.spill(search.vertex);
    search.vertex = new Int32Array(0);
    parentAside = spill.spill(search.parent);
    search.parent = new Int32Array(0);
    releaseMemory();
  }
  predecessors(graph, search);
  if (graph.consume) {
    graph.firstEdge = new Uint32Array(0);
    graph.edgeTargets = new Uint32Array(0);
    graph.weak = undefined;
    search.pre = new Int32Array(0);
    releaseMemory();
    if (parentAside) search.parent = parentAside.restore();
  }
  lengauerTarjan(search);
  search.firstIn = new Int32Array(0);
  search.sources = search.firstIn;
  search.single = new Uint8Array(0);
  if (graph.consume) releaseMemory();

  // 5. Back to node indices, and retained sizes bottom up (a dominator precedes what it dominates).
  const vertex = vertexAside ? vertexAside.restore() : search.vertex;
  spill?.close();
  const idom = search.pre.length === n ? search.pre.fill(-1) : new Int32Array(n).fill(-1);
  const idomNumber = search.parent;
  const retained = new Float64Array(n);
  const sizes = typeof selfSize === "function" ? selfSize() : selfSize;
  if (sizes.length < n - 1) throw new RangeError(`selfSize has ${sizes.length} entries for ${n} nodes`);
  for (let w = count - 1; w >= 0; w--) {
    const v = vertex[w] as number;
    const size = (retained[v] as number) + (v < sizes.length ? (sizes[v] as number) : 0);
    retained[v] = size;
    if (w === 0) break;
    const d = vertex[idomNumber[w] as number] as number;
    idom[v] = d;
    retained[d] = (retained[d] as number) + size;
  }
  return { idom, retained, reachable: count };
}

/** Steps 3 and 4: immediate dominators in preorder numbers, written over `search.parent`. */
function lengauerTarjan(search: Search): void {
  const { count, parent, firstIn, sources, single } = search;
  // 3. Lengauer–Tarjan with the link–eval forest (`ancestor`, `label`), in two sweeps in reverse preorder
  //    so that no bucket lists are needed besides the predecessors' memory:
  //    a. the semidominators: at w's turn, the least semidominator over w's predecessors' forest paths;
  //       then w is linked to its parent;
  //    b. the forest again from scratch: at w's turn, before w is linked, each vertex v whose
  //       semidominator is w (all of w's subtree is linked by then, w not yet: the path Lengauer–Tarjan
  //       evaluates when the bucket of w is emptied) gets its dominator, or that of the vertex of least
  //       semidominator on its path; the vertices by semidominator are a CSR in the predecessors' arrays,
  //       which sweep a no longer reads (a vertex with predecessors has two or more, so they fit).
  //    Immediate dominators are written in place of `parent`: a vertex's DFS parent is not read after its
  //    own turn.
  const semi = new Int32Array(count);
  const label = new Int32Array(count);
  const ancestor = new Int32Array(count);
  const idomNumber = parent;
  // A compression's path: as long as the longest path in the forest, grown when needed.
  let path = new Int32Array(1024);
  const resetForest = () => {
    ancestor.fill(-1);
    for (let i = 0; i < count; i++) label[i] = i;
  };
  resetForest();
  for (let i = 0; i < count; i++) semi[i] = i;
  // The vertex of least semidominator on v's path in the forest, compressing the path (iteratively).
  const evaluate = (v: number): number => {
    if (ancestor[v] === -1) return v;
    let top = 0;
    let x = v;
    while (ancestor[ancestor[x] as number] !== -1) {
      if (top === path.length) {
        const longer = new Int32Array(top * 2);
        longer.set(path);
        path = longer;
      }
      path[top++] = x;
      x = ancestor[x] as number;
    }
    while (top > 0) {
      const y = path[--top] as number;
      const a = ancestor[y] as number;
      if ((semi[label[a] as number] as number) < (semi[label[y] as number] as number)) {
        label[y] = label[a] as number;
      }
      ancestor[y] = ancestor[a] as number;
    }
    return label[v] as number;
  };
  for (let w = count - 1; w > 0; w--) {
    if (single[w] === 1) semi[w] = parent[w] as number;
    else {
      let best = semi[w] as number;
      for (let k = firstIn[w] as number, end = firstIn[w + 1] as number; k < end; k++) {
        const s = semi[evaluate(sources[k] as number)] as number;
        if (s < best) best = s;
      }
      semi[w] = best;
    }
    ancestor[w] = parent[w] as number;
  }
  // The vertices with predecessors, by semidominator (counting sort into firstIn and sources).
  firstIn.fill(0);
  for (let w = 1; w < count; w++) {
    if (single[w] === 0) firstIn[(semi[w] as number) + 1] = (firstIn[(semi[w] as number) + 1] as number) + 1;
  }
  for (let i = 0; i < count; i++) firstIn[i + 1] = (firstIn[i + 1] as number) + (firstIn[i] as number);
  for (let w = 1; w < count; w++) {
    if (single[w] === 1) continue;
    const s = semi[w] as number;
    const at = firstIn[s] as number;
    sources[at] = w;
    firstIn[s] = at + 1;
  }
  for (let i = count; i > 0; i--) firstIn[i] = firstIn[i - 1] as number;
  firstIn[0] = 0;
  resetForest();
  for (let w = count - 1; w >= 0; w--) {
    for (let k = firstIn[w] as number, end = firstIn[w + 1] as number; k < end; k++) {
      const v = sources[k] as number;
      const u = evaluate(v);
      idomNumber[v] = (semi[u] as number) < (semi[v] as number) ? u : w;
    }
    if (w > 0) ancestor[w] = parent[w] as number;
  }

  // 4. Where sweep b left a vertex whose dominator is that of another, in preorder.
  for (let w = 1; w < count; w++) {
    const d = idomNumber[w] as number;
    if (d !== semi[w]) idomNumber[w] = idomNumber[d] as number;
  }
}

interface Search {
  count: number;
  pre: Int32Array;
  vertex: Int32Array;
  parent: Int32Array;
  firstIn: Int32Array;
  sources: Int32Array;
  single: Uint8Array;
}

/** Step 1 (checking the graph first). */
function depthFirst(graph: DominatorGraph): Search {
  const { nodeCount: n, root, firstEdge, edgeTargets } = graph;
  if (firstEdge.length !== n + 1)
    throw new RangeError(`firstEdge has ${firstEdge.length} entries for ${n} nodes`);
  if ((firstEdge[n] as number) > edgeTargets.length) throw new RangeError("firstEdge runs past edgeTargets");
  if (!Number.isInteger(root) || root < 0 || root >= n) throw new RangeError(`root ${root} out of range`);
  const weakFlags = graph.weak instanceof Uint8Array ? graph.weak : undefined;
  const weakTest = typeof graph.weak === "function" ? graph.weak : undefined;
  const allStrong = weakFlags === undefined && weakTest === undefined; // then the hot loops skip the test
  const isWeak = (edge: number): boolean =>
    weakFlags !== undefined ? weakFlags[edge] !== 0 : weakTest?.(edge) === true;

  // 1. Iterative DFS from the root over strong edges: pre[node] = preorder number (-1 = unreached),
  //    vertex[number] = node, parent[number] = the DFS parent's number. The stack grows as deep as the DFS.
  const pre = new Int32Array(n).fill(-1);
  const vertex = new Int32Array(n);
  const parent = new Int32Array(n);
  let stackNode = new Int32Array(1024);
  let stackEdge = new Uint32Array(1024);
  let count = 0;
  pre[root] = count;
  vertex[count] = root;
  parent[count] = -1;
  count++;
  let depth = 0;
  stackNode[0] = root;
  stackEdge[0] = firstEdge[root] as number;
  while (depth >= 0) {
    const v = stackNode[depth] as number;
    const end = firstEdge[v + 1] as number;
    let e = stackEdge[depth] as number;
    let next = -1;
    while (e < end) {
      const w = edgeTargets[e] as number;
      if (w >= n) throw new RangeError(`edge ${e} points at node ${w} of ${n}`);
      const strong = allStrong || !isWeak(e);
      e++;
      if (strong && pre[w] === -1) {
        next = w;
        break;
      }
    }
    stackEdge[depth] = e;
    if (next === -1) {
      depth--;
      continue;
    }
    pre[next] = count;
    vertex[count] = next;
    parent[count] = pre[v] as number;
    count++;
    depth++;
    if (depth === stackNode.length) {
      const longer = new Int32Array(depth * 2);
      longer.set(stackNode);
      stackNode = longer;
      const cursors = new Uint32Array(depth * 2);
      cursors.set(stackEdge);
      stackEdge = cursors;
    }
    stackNode[depth] = next;
    stackEdge[depth] = firstEdge[next] as number;
  }
  return {
    count,
    pre,
    vertex,
    parent,
    firstIn: new Int32Array(0),
    sources: new Int32Array(0),
    single: new Uint8Array(0),
  };
}

/** Step 2, into `search`. */
function predecessors(graph: DominatorGraph, search: Search): void {
  const { nodeCount: n, firstEdge, edgeTargets } = graph;
  const { count, pre } = search;
  const weakFlags = graph.weak instanceof Uint8Array ? graph.weak : undefined;
  const weakTest = typeof graph.weak === "function" ? graph.weak : undefined;
  const allStrong = weakFlags === undefined && weakTest === undefined; // then the hot loops skip the test
  const isWeak = (edge: number): boolean =>
    weakFlags !== undefined ? weakFlags[edge] !== 0 : weakTest?.(edge) === true;

  // 2. Predecessors in preorder numbers, as CSR: only strong edges between reachable nodes (self-loops left
  //    out: they never decide a dominator), and only for the vertices with two or more of them. A vertex
  //    with one predecessor (most of a heap) has its DFS parent as semidominator and immediate dominator:
  //    `single` marks them, and they cost neither a list nor a step of the forest's evaluation.
  const firstIn = new Int32Array(count + 1);
  // Both passes go through the edges in their own order (sequential reads), not in preorder.
  for (let v = 0; v < n; v++) {
    const i = pre[v] as number;
    if (i === -1) continue;
    for (let e = firstEdge[v] as number, end = firstEdge[v + 1] as number; e < end; e++) {
      const w = pre[edgeTargets[e] as number] as number;
      if (w !== -1 && w !== i && (allStrong || !isWeak(e))) firstIn[w + 1] = (firstIn[w + 1] as number) + 1;
    }
  }
  const single = new Uint8Array(count);
  for (let i = 1; i < count; i++) {
    if (firstIn[i + 1] === 1) {
      single[i] = 1;
      firstIn[i + 1] = 0;
    }
  }
  for (let i = 0; i < count; i++) firstIn[i + 1] = (firstIn[i + 1] as number) + (firstIn[i] as number);
  const sources = new Int32Array(firstIn[count] as number);
  // Fill with firstIn[w] as the cursor of w: afterwards it holds the start of w + 1, so shift it back.
  for (let v = 0; v < n; v++) {
    const i = pre[v] as number;
    if (i === -1) continue;
    for (let e = firstEdge[v] as number, end = firstEdge[v + 1] as number; e < end; e++) {
      const w = pre[edgeTargets[e] as number] as number;
      if (w !== -1 && w !== i && single[w] === 0 && (allStrong || !isWeak(e))) {
        const at = firstIn[w] as number;
        sources[at] = i;
        firstIn[w] = at + 1;
      }
    }
  }
  for (let i = count; i > 0; i--) firstIn[i] = firstIn[i - 1] as number;
  firstIn[0] = 0;

  search.firstIn = firstIn;
  search.sources = sources;
  search.single = single;
}

/**
 * The k nodes with the largest retained sizes, largest first (ties: lower index first), among those
 * `include` accepts (all by default), by a bounded min-heap: O(N log k) time, O(k) memory, no sort of N.
 */
export function topRetained(
  retained: Float64Array | Uint32Array,
  k: number,
  include?: (node: number) => boolean,
): Int32Array {
  const size = Math.max(0, Math.min(Math.floor(k), retained.length));
  const heap = new Int32Array(size);
  // a before b in the heap order = a ranks below b (smaller size, or equal size and higher index).
  const below = (a: number, b: number): boolean => {
    const ra = retained[a] as number;
    const rb = retained[b] as number;
    return ra < rb || (ra === rb && a > b);
  };
  const siftDown = (start: number, length: number) => {
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= length) return;
      const r = l + 1;
      const c = r < length && below(heap[r] as number, heap[l] as number) ? r : l;
      if (!below(heap[c] as number, heap[i] as number)) return;
      const t = heap[i] as number;
      heap[i] = heap[c] as number;
      heap[c] = t;
      i = c;
    }
  };
  let filled = 0;
  if (size > 0) {
    for (let v = 0; v < retained.length; v++) {
      if (include !== undefined && !include(v)) continue;
      if (filled < size) {
        let i = filled++;
        heap[i] = v;
        while (i > 0) {
          const p = (i - 1) >> 1;
          if (!below(heap[i] as number, heap[p] as number)) break;
          const t = heap[i] as number;
          heap[i] = heap[p] as number;
          heap[p] = t;
          i = p;
        }
      } else if (below(heap[0] as number, v)) {
        heap[0] = v;
        siftDown(0, filled);
      }
    }
  }
  // Pop the minimum to the end, repeatedly: the array ends sorted largest first.
  for (let end = filled - 1; end > 0; end--) {
    const t = heap[0] as number;
    heap[0] = heap[end] as number;
    heap[end] = t;
    siftDown(0, end);
  }
  return heap.subarray(0, filled);
}
