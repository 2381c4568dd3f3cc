import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { RootKind } from "../reachability.js";
import type { LoadedHeap } from "../read-heap.js";
import { SnapshotEdges } from "./snapshot-edges.js";
import {
  EDGE_FIELDS,
  EDGE_TYPES,
  type EdgeType,
  edgeTypeIndex,
  isIndexEdge,
  NODE_FIELDS,
  NODE_TYPES,
  nodeTypeIndex,
} from "./snapshot-format.js";
import { NodeLabels } from "./snapshot-nodes.js";

/** What the core cannot give exactly, written into the snapshot and said on stderr. */
export const SNAPSHOT_NOTES = [
  "read from a core file by coredump, not written by V8",
  "roots: the global objects, then every tagged word outside V8's pages that points at an object (stacks, handles, V8's roots, and stale memory): an over-approximation of what V8's GC keeps; handle scopes are not told apart",
  "edges: every strong tagged slot; weak pointers are not followed, and V8's weak-by-policy slots (transitions, code dependencies, WeakMap keys) count as strong",
  "names: properties through descriptors and dictionary keys, context variables through ScopeInfo; other slots are internal by offset or hidden by index",
  "no allocation traces, no native (C++) objects, no detachedness",
];

export interface SnapshotCounts {
  nodes: number;
  edges: number;
}

const SYNTHETIC_NODES = 2;
const FLUSH_AT = 1 << 20;

/**
 * Writes a DevTools `.heapsnapshot` of the live heap to `path`: streamed to `path.partial` (mode 0600),
 * renamed when complete. Nodes are the synthetic root, `(GC roots)`, then every live object in address
 * order; edges are counted in one pass and written in a second, so no edge list is held in memory.
 */
export async function writeHeapSnapshot(
  heap: LoadedHeap,
  path: string,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<SnapshotCounts> {
  const { objects, live } = heap;
  const edges = new SnapshotEdges(heap, heap.isRawBody);
  const labels = new NodeLabels(heap);
  const count = objects.address.length;
  const position = new Int32Array(count).fill(-1);
  let nodes = SYNTHETIC_NODES;
  for (let index = 0; index < count; index++) if (edges.isLive(index)) position[index] = nodes++;
  const edgeCounts = new Uint32Array(count);
  let edgeTotal = 0;
  const globals: number[] = [];
  const nativeRoots: number[] = [];
  for (let index = 0; index < count; index++) {
    if (position[index] === -1) continue;
    let edgeCount = 0;
    edges.forEach(index, () => {
      edgeCount++;
    });
    edgeCounts[index] = edgeCount;
    edgeTotal += edgeCount;
    if (live.rootKind[index] === RootKind.GlobalObject) globals.push(index);
    else if (live.rootKind[index] === RootKind.NativeMemory) nativeRoots.push(index);
  }
  edgeTotal += globals.length + 1 + nativeRoots.length;

  const strings = new StringTable();
  const partial = `${path}.partial`;
  const out = new ChunkedWriter(partial);
  try {
    out.write(
      `{"snapshot":{"meta":${JSON.stringify({
        node_fields: NODE_FIELDS,
        node_types: [NODE_TYPES, "string", "number", "number", "number", "number", "number"],
        edge_fields: EDGE_FIELDS,
        edge_types: [EDGE_TYPES, "string_or_number", "node"],
        trace_function_info_fields: [],
        trace_node_fields: [],
        sample_fields: [],
        location_fields: [],
      })},"node_count":${nodes},"edge_count":${edgeTotal},"trace_function_count":0,"coredump_notes":${JSON.stringify(SNAPSHOT_NOTES)}},\n"nodes":[`,
    );
    const synthetic = nodeTypeIndex("synthetic");
    out.write(`${synthetic},${strings.id("")},1,0,${globals.length + 1},0,0`);
    out.write(`,\n${synthetic},${strings.id("(GC roots)")},3,0,${nativeRoots.length},0,0`);
    for (let index = 0; index < count; index++) {
      if (position[index] === -1) continue;
      const label = labels.of(index);
      const id = 2 * index + 5;
      out.write(
        `,\n${nodeTypeIndex(label.type)},${strings.id(label.name)},${id},${objects.size[index]},${edgeCounts[index]},0,0`,
      );
      if (index % 65536 === 0) onProgress(index, count * 2);
      if (out.full) await out.drained();
    }
    out.write('],\n"edges":[');
    let first = true;
    const emit = (type: EdgeType, nameOrIndex: string | number, target: number) => {
      const name = isIndexEdge(type) ? nameOrIndex : strings.id(String(nameOrIndex));
      out.write(
        `${first ? "" : ",\n"}${edgeTypeIndex(type)},${name},${(position[target] as number) * NODE_FIELDS.length}`,
      );
      first = false;
    };
    for (const global of globals) emit("shortcut", "global", global);
    out.write(`,\n${edgeTypeIndex("element")},1,${NODE_FIELDS.length}`);
    for (const [rootIndex, root] of nativeRoots.entries()) emit("element", rootIndex + 1, root);
    for (let index = 0; index < count; index++) {
      if (position[index] === -1) continue;
      edges.forEach(index, emit);
      if (index % 65536 === 0) onProgress(count + index, count * 2);
      if (out.full) await out.drained();
    }
    out.write('],\n"trace_function_infos":[],"trace_tree":[],"samples":[],"locations":[],\n"strings":[');
    strings.values.forEach((value, index) => {
      out.write(`${index === 0 ? "" : ",\n"}${JSON.stringify(value)}`);
    });
    out.write("]}\n");
    await out.close();
    await rename(partial, path);
  } catch (error) {
    await out.close().catch(() => {});
    await rm(partial, { force: true });
    throw error;
  }
  onProgress(count * 2, count * 2);
  return { nodes, edges: edgeTotal };
}

class StringTable {
  readonly values: string[] = [];
  private readonly ids = new Map<string, number>();

  id(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.ids.set(value, id);
    }
    return id;
  }
}

/**
 * Text gathered into chunks of about a megabyte (one growing string: no array of millions of small ones
 * for the collector), written with the stream's back-pressure respected.
 */
class ChunkedWriter {
  private readonly stream;
  private pending = "";
  full = false;

  constructor(path: string) {
    this.stream = createWriteStream(path, { mode: 0o600 });
  }

  write(text: string): void {
    this.pending += text;
    if (this.pending.length >= FLUSH_AT) this.flush();
  }

  async drained(): Promise<void> {
    if (this.full) {
      await once(this.stream, "drain");
      this.full = false;
    }
  }

  async close(): Promise<void> {
    this.flush();
    this.stream.end();
    await once(this.stream, "close");
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.full = !this.stream.write(this.pending) || this.full;
    this.pending = "";
  }
}
