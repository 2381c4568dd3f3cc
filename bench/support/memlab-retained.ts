/**
 * memlab computing retained sizes from a `.heapsnapshot`, as bench/heap.ts times it (a process of its own,
 * for its peak RSS): memlab's parser (`@memlab/core`, what loads the files DevTools loads), then its
 * dominator tree and every node's retained size. Prints the node count and the largest Map's retained
 * size, as JSON. Usage: node dist/bench/support/memlab-retained.js FILE
 */
import memlab from "@memlab/core";

memlab.config.muteConsole = true;
memlab.config.errorHandling = memlab.ErrorHandling.Throw;

const file = process.argv[2];
if (!file) throw new Error("usage: memlab-retained.js FILE.heapsnapshot");
const heap = await memlab.utils.getSnapshotFromFile(file, {});
new memlab.TraceFinder().calculateAllNodesRetainedSizes(heap);
let largestMap = 0;
heap.nodes.forEach((node) => {
  if (node.type === "object" && node.name === "Map") largestMap = Math.max(largestMap, node.retainedSize);
});
process.stdout.write(`${JSON.stringify({ nodes: heap.nodes.length, largestMap })}\n`);
