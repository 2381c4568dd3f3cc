import type { LoadedHeap } from "../loaded-heap.js";
import { releaseMemory } from "../release-memory.js";
import { AsciiOut } from "./ascii-out.js";
import { type EdgeCounts, NODE_KIND, prepareEdges, SYNTHETIC_NODES } from "./edge-writer.js";
import { FlatStrings } from "./flat-strings.js";
import {
  EDGE_FIELDS,
  EDGE_TYPES,
  edgeTypeIndex,
  NODE_FIELDS,
  NODE_TYPES,
  nodeTypeIndex,
} from "./snapshot-format.js";
import { NodeLabels } from "./snapshot-nodes.js";
import { StringTable } from "./string-table.js";

/** What the core cannot give exactly, written into the snapshot and said on stderr. */
export const SNAPSHOT_NOTES = [
  "read from a core file by coredump, not written by V8",
  "roots: the global objects, then every tagged word outside V8's pages that points at an object (stacks, handles, V8's roots, and stale memory): an over-approximation of what V8's GC keeps; handle scopes are not told apart",
  "edges: every strong tagged slot; weak pointers are not followed, and V8's weak-by-policy slots (transitions, code dependencies, WeakMap keys) count as strong",
  "names: properties through descriptors and dictionary keys, context variables through ScopeInfo; other slots are internal by offset or hidden by index",
  "no allocation traces, no native (C++) objects, no detachedness",
];

/** Where the snapshot goes: a file, a device or a pipe, opened by the caller (src/workspace/output-file.ts). */
export interface SnapshotOutput {
  /** Writes all of the bytes, or throws. */
  write(bytes: Uint8Array): void;
  /** Called once everything is written: puts the file in place. */
  commit(): Promise<void>;
  /** Called when the writing failed: removes what was written. */
  discard(): Promise<void>;
}

export interface SnapshotCounts {
  nodes: number;
  edges: number;
}

/**
 * Writes a DevTools `.heapsnapshot` of the live heap to `output`, committed when complete and discarded
 * on a failure. Nodes are the synthetic root, `(GC roots)`, then every live object in address order. The file
 * gives nodes, with their edge counts, before edges: a first pass over the objects only counts their edges
 * (pointers resolved, no names), then the nodes are written, then the edges as a second pass finds them,
 * then the strings. No edge is held in memory or on disk but in the file itself. The snapshot names no
 * retainer paths: the heap's `live.parent` (4 bytes per object) is let go first, for its memory.
 */
export async function writeHeapSnapshot(
  heap: LoadedHeap,
  output: SnapshotOutput,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<SnapshotCounts> {
  const { objects } = heap;
  const count = objects.address.length;
  heap.live.parent = new Int32Array(0);
  releaseMemory();
  const strings = new StringTable();
  try {
    const walk = prepareEdges(heap, strings);
    const { globals, nativeRoots, kinds } = walk;
    const { edgeCounts, edges } = walk.count((done) => onProgress(done, count * 3));
    const nodes = SYNTHETIC_NODES + walk.lookup.count;
    const edgeTotal = edges + globals.length + 1 + nativeRoots.length;

    const out = new AsciiOut(output);
    out.text(
      `{"snapshot":{"meta":${JSON.stringify({
        node_fields: NODE_FIELDS,
        node_types: [NODE_TYPES, "string", "number", "number", "number", "number", "number"],
        edge_fields: EDGE_FIELDS,
        edge_types: [EDGE_TYPES, "string_or_number", "node"],
        trace_function_info_fields: [],
        trace_node_fields: [],
        sample_fields: [],
        location_fields: [],
      })},"node_count":${nodes},"edge_count":${edgeTotal},"trace_function_count":0,"coredump_notes":${JSON.stringify([...SNAPSHOT_NOTES, ...heap.notes])}},\n"nodes":[`,
    );
    const synthetic = nodeTypeIndex("synthetic");
    out.text(`${synthetic},${strings.id("")},1,0,${globals.length + 1},0,0`);
    out.text(`,\n${synthetic},${strings.id("(GC roots)")},3,0,${nativeRoots.length},0,0`);
    writeNodes(heap, kinds, edgeCounts, strings, out, (done) => onProgress(count + done, count * 3));
    out.text('],\n"edges":[');
    const fields = NODE_FIELDS.length;
    const global = strings.id("global");
    for (const position of globals) {
      out.int(edgeTypeIndex("shortcut"));
      out.comma();
      out.int(global);
      out.comma();
      out.int((SYNTHETIC_NODES + position) * fields);
      out.separator();
    }
    out.text(`${edgeTypeIndex("element")},1,${fields}`);
    for (const [rootIndex, position] of nativeRoots.entries()) {
      out.separator();
      out.int(edgeTypeIndex("element"));
      out.comma();
      out.int(rootIndex + 1);
      out.comma();
      out.int((SYNTHETIC_NODES + position) * fields);
    }
    if (edges > 0) {
      out.separator();
      const written = walk.write(out, (done) => onProgress(2 * count + done, count * 3));
      if (written !== edges)
        throw new Error(`the snapshot's edges changed between passes: ${edges}, then ${written}`);
    }
    out.text('],\n"trace_function_infos":[],"trace_tree":[],"samples":[],"locations":[],\n"strings":[');
    strings.values.forEach((value, index) => {
      if (index !== 0) out.separator();
      out.text(JSON.stringify(value));
    });
    out.text("]}\n");
    out.flush();
    await output.commit();
    onProgress(count * 3, count * 3);
    return { nodes, edges: edgeTotal };
  } catch (error) {
    await output.discard();
    throw error;
  }
}

/** The object nodes, in address order: `type,name,id,self_size,edge_count,0,0`. */
function writeNodes(
  heap: LoadedHeap,
  kinds: Uint8Array,
  edgeCounts: EdgeCounts,
  strings: StringTable,
  out: AsciiOut,
  onProgress: (done: number) => void,
): void {
  const { objects, live } = heap;
  const labels = new NodeLabels(heap);
  const byMap = new Int32Array(heap.maps.maps.length).fill(-1);
  const typeByMap = new Uint8Array(heap.maps.maps.length);
  const reachedFrom = live.reachedFrom;
  const sizes = objects.size;
  const mapOf = objects.map;
  const perObject = NODE_KIND.string | NODE_KIND.function;
  const flatStrings = new FlatStrings(heap);
  const stringType = nodeTypeIndex("string");
  for (let index = 0, position = 0; index < objects.address.length; index++) {
    if (reachedFrom[index] === 0) continue;
    if ((index & 0xffff) === 0) onProgress(index);
    const mapIndex = mapOf[index] as number;
    let type: number;
    let name: number;
    const kind = kinds[mapIndex] as number;
    const flat =
      kind & NODE_KIND.string ? flatStrings.read(objects.address[index] as number, mapIndex) : undefined;
    if (flat !== undefined) {
      type = stringType;
      name = strings.id(flat);
    } else if (kind & perObject) {
      const label = labels.of(index);
      type = nodeTypeIndex(label.type);
      name = strings.id(label.name);
    } else {
      name = byMap[mapIndex] as number;
      if (name < 0) {
        const label = labels.of(index);
        name = strings.id(label.name);
        byMap[mapIndex] = name;
        typeByMap[mapIndex] = nodeTypeIndex(label.type);
      }
      type = typeByMap[mapIndex] as number;
    }
    out.node(type, name, 2 * index + 5, sizes[index] as number, edgeCounts.get(position++));
  }
}
