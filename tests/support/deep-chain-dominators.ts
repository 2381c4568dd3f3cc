/**
 * A worker for the dominator unit test "a deep chain whose end holds many nodes": it computes the
 * dominators of 0 → 1 → … → k, k → x_i, 0 → x_i in a thread of its own, so that the test can stop a
 * computation that does not end (a quadratic walk takes many minutes here) instead of hanging.
 * Posts the number of nodes whose immediate dominator or retained size is not what the graph says.
 */
import { parentPort, workerData } from "node:worker_threads";
import { dominators } from "../../src/heap/dominators.js";

const k = workerData as number;
const n = 1 + 2 * k;
const firstEdge = new Uint32Array(n + 1);
const edgeTargets = new Uint32Array(3 * k);
let e = 0;
for (let v = 0; v < n; v++) {
  if (v < k) edgeTargets[e++] = v + 1; // the chain, first out of the root so that the DFS goes down it
  if (v === 0 || v === k) for (let i = 1; i <= k; i++) edgeTargets[e++] = k + i;
  firstEdge[v + 1] = e;
}
const { idom, retained } = dominators({
  nodeCount: n,
  root: 0,
  firstEdge,
  edgeTargets,
  selfSize: new Float64Array(n).fill(1),
});
let wrong = 0;
for (let v = 1; v < n; v++) {
  const [wantIdom, wantRetained] = v <= k ? [v - 1, k - v + 1] : [0, 1];
  if (idom[v] !== wantIdom || retained[v] !== wantRetained) wrong++;
}
if (retained[0] !== n) wrong++;
parentPort?.postMessage(wrong);
