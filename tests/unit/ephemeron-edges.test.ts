import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { insertEphemeronEdges } from "../../src/heap/live-graph.js";

/** Each node's edges of a CSR graph, as lists. */
function edgesOf(firstEdge: Uint32Array, edgeTargets: Uint32Array, nodes: number): number[][] {
  return Array.from({ length: nodes }, (_, node) =>
    Array.from(edgeTargets.subarray(firstEdge[node] as number, firstEdge[node + 1] as number)),
  );
}

/** A CSR of `own` edges per node, with `room` free slots after them, and an extra entry at the end as the heap's graph has. */
function graph(
  own: number[][],
  room: number,
): { firstEdge: Uint32Array; edgeTargets: Uint32Array; total: number } {
  const firstEdge = new Uint32Array(own.length + 2);
  const flat = own.flat();
  own.forEach((edges, node) => {
    firstEdge[node + 1] = (firstEdge[node] as number) + edges.length;
  });
  const edgeTargets = new Uint32Array(flat.length + room);
  edgeTargets.set(flat);
  return { firstEdge, edgeTargets, total: flat.length };
}

describe("ephemeron edges placed after each key's own", () => {
  it("keys met in any order, several values per key, keys with no own edges, the first and last node", () => {
    const own = [[1, 2], [], [3], [0, 4, 1], []];
    const { firstEdge, edgeTargets, total } = graph(own, 6);
    // (key, value) pairs as a WeakMap's tables list them: not by key.
    const pairs = [
      [3, 10],
      [0, 11],
      [4, 12],
      [1, 13],
      [3, 14],
      [0, 15],
    ];
    const extras = insertEphemeronEdges(
      Int32Array.from(pairs.map(([key]) => key as number)),
      Int32Array.from(pairs.map(([, value]) => value as number)),
      firstEdge,
      edgeTargets,
      total,
    );
    assert.deepEqual(edgesOf(firstEdge, edgeTargets, own.length), [
      [1, 2, 11, 15],
      [13],
      [3],
      [0, 4, 1, 10, 14],
      [12],
    ]);
    assert.deepEqual(
      [...extras].sort((a, b) => a[0] - b[0]),
      [
        [0, 2],
        [1, 1],
        [3, 2],
        [4, 1],
      ],
    );
    assert.equal(firstEdge[own.length], total + pairs.length);
  });

  it("no pairs: the graph is unchanged", () => {
    const own = [[1], [0]];
    const { firstEdge, edgeTargets, total } = graph(own, 0);
    const extras = insertEphemeronEdges(new Int32Array(0), new Int32Array(0), firstEdge, edgeTargets, total);
    assert.equal(extras.size, 0);
    assert.deepEqual(edgesOf(firstEdge, edgeTargets, own.length), own);
  });
});
