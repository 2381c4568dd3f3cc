import assert from "node:assert/strict";
import { once } from "node:events";
import { describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import { type DominatorGraph, dominators, topRetained } from "../../src/heap/dominators.js";

type Edge = [from: number, to: number, weak?: "weak"];

/** A graph from an edge list; edges keep their order per source node. */
function graphOf(nodeCount: number, edges: Edge[], root = 0, sizes?: number[]): DominatorGraph {
  const firstEdge = new Uint32Array(nodeCount + 1);
  const counts = new Uint32Array(nodeCount + 1);
  for (const [from] of edges) counts[from + 1] = (counts[from + 1] as number) + 1;
  for (let v = 0; v < nodeCount; v++) firstEdge[v + 1] = (firstEdge[v] as number) + (counts[v + 1] as number);
  const edgeTargets = new Uint32Array(edges.length);
  const weak = new Uint8Array(edges.length);
  const next = firstEdge.slice(0, nodeCount);
  for (const [from, to, kind] of edges) {
    const e = next[from] as number;
    next[from] = e + 1;
    edgeTargets[e] = to;
    weak[e] = kind === "weak" ? 1 : 0;
  }
  const selfSize = Float64Array.from(sizes ?? Array.from({ length: nodeCount }, (_, v) => 10 + v));
  return { nodeCount, root, firstEdge, edgeTargets, weak, selfSize };
}

/** Nodes reachable from the root over strong edges, without passing through `removed`. */
function reachableWithout(graph: DominatorGraph, removed: number): boolean[] {
  const seen = new Array<boolean>(graph.nodeCount).fill(false);
  if (graph.root === removed) return seen;
  const weak = graph.weak as Uint8Array;
  const stack = [graph.root];
  seen[graph.root] = true;
  while (stack.length > 0) {
    const v = stack.pop() as number;
    for (let e = graph.firstEdge[v] as number; e < (graph.firstEdge[v + 1] as number); e++) {
      const w = graph.edgeTargets[e] as number;
      if (weak[e] === 0 && w !== removed && !seen[w]) {
        seen[w] = true;
        stack.push(w);
      }
    }
  }
  return seen;
}

/**
 * The definitions, by brute force: d dominates w when w is reachable and removing d makes it unreachable;
 * the immediate dominator is the strict dominator that all others dominate (the one with most dominators);
 * d retains the sizes of all it dominates, itself included.
 */
function bruteForce(graph: DominatorGraph): { idom: number[]; retained: number[] } {
  const n = graph.nodeCount;
  const reachable = reachableWithout(graph, -1);
  const dominated: boolean[][] = []; // dominated[d][w]: d dominates w (d itself included)
  for (let d = 0; d < n; d++) {
    const without = reachableWithout(graph, d);
    dominated.push(reachable.map((r, w) => r && reachable[d] === true && !without[w]));
  }
  const idom: number[] = [];
  const retained: number[] = [];
  for (let w = 0; w < n; w++) {
    let best = -1;
    let bestDepth = -1;
    if (reachable[w] && w !== graph.root) {
      for (let d = 0; d < n; d++) {
        if (d === w || !dominated[d]?.[w]) continue;
        const depth = dominated.filter((row) => row[d]).length; // how many dominate d
        if (depth > bestDepth) {
          best = d;
          bestDepth = depth;
        }
      }
    }
    idom.push(best);
    let sum = 0;
    const sizes = typeof graph.selfSize === "function" ? graph.selfSize() : graph.selfSize;
    for (let x = 0; x < n; x++) if (dominated[w]?.[x]) sum += (sizes[x] ?? 0) as number;
    retained.push(sum);
  }
  return { idom, retained };
}

function check(graph: DominatorGraph, label = ""): void {
  const got = dominators(graph);
  const want = bruteForce(graph);
  assert.deepEqual(Array.from(got.idom), want.idom, `idom ${label}`);
  assert.deepEqual(Array.from(got.retained), want.retained, `retained ${label}`);
}

/** Mulberry32: a small seeded generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("dominators", () => {
  it("a diamond: the join is dominated by the root, not by either side", () => {
    // 0 → 1, 0 → 2, 1 → 3, 2 → 3, 3 → 4
    const graph = graphOf(5, [
      [0, 1],
      [0, 2],
      [1, 3],
      [2, 3],
      [3, 4],
    ]);
    const { idom, retained, reachable } = dominators(graph);
    assert.deepEqual(Array.from(idom), [-1, 0, 0, 0, 3]);
    assert.deepEqual(Array.from(retained), [10 + 11 + 12 + 13 + 14, 11, 12, 13 + 14, 14]);
    assert.equal(reachable, 5);
    check(graph);
  });

  it("a cycle: each node dominates the rest of the ring after it", () => {
    const graph = graphOf(4, [
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 1],
    ]);
    assert.deepEqual(Array.from(dominators(graph).idom), [-1, 0, 1, 2]);
    assert.deepEqual(Array.from(dominators(graph).retained), [46, 36, 25, 13]);
    check(graph);
  });

  it("nodes unreachable from the root have no dominator and retain nothing, even if they point in", () => {
    // 3 and 4 are unreachable; 3 points at 1 and 4 points at 3.
    const graph = graphOf(
      5,
      [
        [1, 2],
        [0, 1],
        [3, 1],
        [4, 3],
      ],
      0,
    );
    const { idom, retained, reachable } = dominators(graph);
    assert.deepEqual(Array.from(idom), [-1, 0, 1, -1, -1]);
    assert.deepEqual(Array.from(retained), [33, 23, 12, 0, 0]);
    assert.equal(reachable, 3);
    check(graph);
  });

  it("a root other than node 0", () => {
    const graph = graphOf(4, [
      [2, 0],
      [0, 1],
      [2, 3],
      [3, 1],
    ]);
    graph.root = 2;
    assert.deepEqual(Array.from(dominators(graph).idom), [2, 2, -1, 2]);
    check(graph);
  });

  it("self-loops and duplicate edges change nothing", () => {
    const plain = graphOf(4, [
      [0, 1],
      [1, 2],
      [0, 3],
      [3, 2],
    ]);
    const noisy = graphOf(4, [
      [0, 0],
      [0, 1],
      [0, 1],
      [1, 1],
      [1, 2],
      [1, 2],
      [2, 2],
      [0, 3],
      [3, 2],
      [3, 3],
      [3, 2],
    ]);
    const want = dominators(plain);
    assert.deepEqual(Array.from(want.idom), [-1, 0, 0, 0]);
    const got = dominators(noisy);
    assert.deepEqual(got.idom, want.idom);
    assert.deepEqual(got.retained, want.retained);
    check(noisy);
  });

  it("a weak edge does not retain: a node held only weakly is unreachable, retained by nobody", () => {
    // 0 → 1 (a WeakMap, say) ⇢ 2 weakly, 2 → 3; 0 → 4 → 3 strongly.
    const edges: Edge[] = [
      [0, 1],
      [1, 2, "weak"],
      [2, 3],
      [0, 4],
      [4, 3],
    ];
    const graph = graphOf(5, edges);
    const { idom, retained } = dominators(graph);
    assert.deepEqual(Array.from(idom), [-1, 0, -1, 4, 0]);
    assert.deepEqual(Array.from(retained), [10 + 11 + 13 + 14, 11, 0, 13, 14 + 13]);
    check(graph);
    // The same with the edge strong: 2 is held by 1, and 3 by the root (two ways in).
    const strong = dominators(
      graphOf(
        5,
        edges.map(([a, b]) => [a, b]),
      ),
    );
    assert.deepEqual(Array.from(strong.idom), [-1, 0, 1, 0, 0]);
    assert.equal(strong.retained[1], 11 + 12);
    // And with the weak flag given as a predicate instead of an array (edges are numbered by source node:
    // 0 → 1, 0 → 4, then 1 ⇢ 2 is edge 2).
    const byPredicate = dominators({ ...graph, weak: (e) => e === 2 });
    assert.deepEqual(byPredicate.idom, idom);
    assert.deepEqual(byPredicate.retained, retained);
  });

  it("a weak edge alongside a strong one: the strong one alone decides", () => {
    // 1 holds 3 weakly, 2 holds it strongly: 3's dominator is 2, and 1 retains only itself.
    const graph = graphOf(4, [
      [0, 1],
      [0, 2],
      [1, 3, "weak"],
      [2, 3],
    ]);
    assert.deepEqual(Array.from(dominators(graph).idom), [-1, 0, 0, 2]);
    assert.deepEqual(Array.from(dominators(graph).retained), [10 + 11 + 12 + 13, 11, 12 + 13, 13]);
    check(graph);
  });

  it("a chain of a million nodes: no stack overflow, and the root retains the sum", () => {
    const n = 1_000_000;
    const firstEdge = new Uint32Array(n + 1);
    const edgeTargets = new Uint32Array(n - 1);
    for (let v = 0; v < n; v++) firstEdge[v + 1] = Math.min(v + 1, n - 1);
    for (let v = 0; v < n - 1; v++) edgeTargets[v] = v + 1;
    const selfSize = new Uint32Array(n);
    let sum = 0;
    for (let v = 0; v < n; v++) {
      selfSize[v] = (v % 7) + 1;
      sum += selfSize[v] as number;
    }
    const { idom, retained, reachable } = dominators({
      nodeCount: n,
      root: 0,
      firstEdge,
      edgeTargets,
      selfSize,
    });
    assert.equal(reachable, n);
    assert.equal(retained[0], sum);
    assert.equal(retained[n - 1], selfSize[n - 1]);
    assert.equal(idom[0], -1);
    for (let v = 1; v < n; v++) if (idom[v] !== v - 1) assert.fail(`idom[${v}] = ${idom[v]}`);
  });

  it("a chain of a million nodes whose last points back at the second: a path compression a million deep", () => {
    // 0 → 1 → 2 → … → n-1 → 1: evaluating 1's predecessor n-1 walks the whole linked chain at once.
    const n = 1_000_000;
    const firstEdge = new Uint32Array(n + 1);
    const edgeTargets = new Uint32Array(n);
    for (let v = 0; v < n; v++) {
      edgeTargets[v] = v + 1 < n ? v + 1 : 1;
      firstEdge[v + 1] = v + 1;
    }
    const selfSize = new Float64Array(n).fill(2);
    const { idom, retained } = dominators({ nodeCount: n, root: 0, firstEdge, edgeTargets, selfSize });
    assert.equal(retained[0], 2 * n);
    assert.equal(retained[1], 2 * (n - 1));
    for (let v = 1; v < n; v++) if (idom[v] !== v - 1) assert.fail(`idom[${v}] = ${idom[v]}`);
  });

  it("a deep chain whose end holds many nodes the root holds too: no walk up the chain per node", async () => {
    // 0 → 1 → … → k, then k → x_i and 0 → x_i: the DFS reaches every x_i from the chain's end, yet the
    // root is each x_i's immediate dominator (semi-NCA's walk up the dominator tree is quadratic here).
    // In a worker, so that a ceiling against a hang can stop it: a generous one, minutes.
    const worker = new Worker(new URL("../support/deep-chain-dominators.js", import.meta.url), {
      workerData: 500_000,
    });
    let timer: NodeJS.Timeout | undefined;
    const ceiling = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("still computing after 3 minutes")), 180_000);
    });
    try {
      const wrong = await Promise.race([once(worker, "message").then(([count]) => count as number), ceiling]);
      assert.equal(wrong, 0, "nodes with a wrong dominator or retained size");
    } finally {
      clearTimeout(timer);
      await worker.terminate();
    }
  });

  it("agrees with the brute force on 400 random graphs of up to 60 nodes (seed 22)", () => {
    const next = random(22);
    for (let round = 0; round < 400; round++) {
      const n = 1 + Math.floor(next() * 60);
      const density = 0.5 + next() * 3; // edges per node
      const edges: Edge[] = [];
      const edgeCount = Math.floor(n * density);
      for (let i = 0; i < edgeCount; i++) {
        const from = Math.floor(next() * n);
        const to = Math.floor(next() * n);
        edges.push(next() < 0.1 ? [from, to, "weak"] : [from, to]);
      }
      // A spanning path now and then, so that most nodes are reachable in part of the rounds.
      if (round % 2 === 0) for (let v = 1; v < n; v++) edges.push([Math.floor(next() * v), v]);
      const root = Math.floor(next() * n);
      const sizes = Array.from({ length: n }, () => Math.floor(next() * 1000));
      check(graphOf(n, edges, root, sizes), `round ${round}`);
    }
  });

  it("consume: the same result, and the graph's edges let go", () => {
    const next = random(7);
    for (let round = 0; round < 50; round++) {
      const n = 2 + Math.floor(next() * 40);
      const edges: Edge[] = [];
      for (let v = 1; v < n; v++) edges.push([Math.floor(next() * v), v]);
      for (let i = 0; i < n; i++) edges.push([Math.floor(next() * n), Math.floor(next() * n)]);
      const graph = graphOf(n, edges);
      const want = bruteForce(graph);
      const consumed = { ...graph, consume: true };
      const got = dominators(consumed);
      assert.deepEqual(Array.from(got.idom), want.idom, `idom round ${round}`);
      assert.deepEqual(Array.from(got.retained), want.retained, `retained round ${round}`);
      assert.equal(consumed.edgeTargets.length + consumed.firstEdge.length, 0, `round ${round}`);
    }
  });

  it("sizes given when first read, after the edges are let go, one short for the root as the last node", () => {
    const next = random(11);
    for (let round = 0; round < 50; round++) {
      const n = 2 + Math.floor(next() * 40);
      const edges: Edge[] = [];
      // The root is the last node, as a heap's synthetic root is.
      const root = n - 1;
      for (let v = 0; v < root; v++) edges.push([next() < 0.3 ? root : Math.floor(next() * n), v]);
      for (let i = 0; i < n; i++) edges.push([Math.floor(next() * n), Math.floor(next() * n)]);
      const sizes = Array.from({ length: n }, (_, v) => (v === root ? 0 : 8 + 8 * Math.floor(next() * 10)));
      const graph = graphOf(n, edges, root, sizes);
      const want = bruteForce(graph);
      const short = new Uint32Array(sizes.slice(0, root));
      let readWithEdges = -1;
      const consumed: DominatorGraph = {
        ...graph,
        consume: true,
        selfSize: () => {
          readWithEdges = consumed.edgeTargets.length;
          return short;
        },
      };
      const got = dominators(consumed);
      assert.deepEqual(Array.from(got.idom), want.idom, `idom round ${round}`);
      assert.deepEqual(Array.from(got.retained), want.retained, `retained round ${round}`);
      assert.equal(readWithEdges, 0, `round ${round}: sizes read while the edges were held`);
    }
  });

  it("an empty graph and a lone root", () => {
    const empty = dominators({
      nodeCount: 0,
      root: 0,
      firstEdge: new Uint32Array(1),
      edgeTargets: new Uint32Array(0),
      selfSize: new Float64Array(0),
    });
    assert.equal(empty.idom.length, 0);
    const lone = dominators(graphOf(1, [], 0, [5]));
    assert.deepEqual(Array.from(lone.idom), [-1]);
    assert.deepEqual(Array.from(lone.retained), [5]);
  });

  it("rejects a malformed graph with a RangeError", () => {
    const graph = graphOf(3, [
      [0, 1],
      [1, 2],
    ]);
    assert.throws(() => dominators({ ...graph, edgeTargets: Uint32Array.from([1, 3]) }), RangeError);
    assert.throws(() => dominators({ ...graph, root: 3 }), RangeError);
    assert.throws(() => dominators({ ...graph, firstEdge: new Uint32Array(3) }), RangeError);
  });
});

describe("topRetained", () => {
  it("ranks the k largest, largest first, ties by lower index, as a full sort would", () => {
    const next = random(7);
    for (let round = 0; round < 200; round++) {
      const n = Math.floor(next() * 50);
      const retained = Float64Array.from({ length: n }, () => Math.floor(next() * 20));
      const k = Math.floor(next() * 60);
      const sorted = Array.from({ length: n }, (_, v) => v).sort(
        (a, b) => (retained[b] as number) - (retained[a] as number) || a - b,
      );
      assert.deepEqual(Array.from(topRetained(retained, k)), sorted.slice(0, k), `round ${round}`);
      const odd = (v: number) => v % 2 === 1;
      assert.deepEqual(
        Array.from(topRetained(retained, k, odd)),
        sorted.filter(odd).slice(0, k),
        `round ${round}, odd nodes`,
      );
    }
  });

  it("k of 0 or of more than N", () => {
    const retained = Float64Array.from([3, 1, 2]);
    assert.deepEqual(Array.from(topRetained(retained, 0)), []);
    assert.deepEqual(Array.from(topRetained(retained, 10)), [0, 2, 1]);
  });
});
