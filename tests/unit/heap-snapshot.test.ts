/**
 * The heap tests' comparator (tests/support/heap-snapshot.ts) on a snapshot made here, node by node, whose
 * answers are known by construction: a global holding a Map of three Sessions and another Map, and strings
 * of three representations.
 */
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { describePath, LoadedSnapshot, runsThroughMap } from "../support/heap-snapshot.js";

const NODE_TYPES = ["hidden", "array", "string", "object", "code", "closure", "regexp", "number", "native"];
NODE_TYPES.push("synthetic", "concatenated string", "sliced string", "symbol", "bigint", "object shape");
const EDGE_TYPES = ["context", "element", "property", "internal", "hidden", "shortcut", "weak"];

interface Node {
  type: string;
  name: string;
  size: number;
  edges: Array<{ type: string; name: string | number; to: number }>;
}

/** Serialises nodes (edges by node index) in V8's .heapsnapshot format: flat arrays, one string table. */
function heapSnapshot(nodes: Node[]): string {
  const strings: string[] = [];
  const string = (text: string) => {
    const index = strings.indexOf(text);
    return index >= 0 ? index : strings.push(text) - 1;
  };
  const fields = 7;
  const flatNodes = nodes.flatMap((node, index) => [
    NODE_TYPES.indexOf(node.type),
    string(node.name),
    2 * index + 1,
    node.size,
    node.edges.length,
    0,
    0,
  ]);
  const flatEdges = nodes.flatMap((node) =>
    node.edges.flatMap((edge) => {
      const kind = EDGE_TYPES.indexOf(edge.type);
      // Element and hidden edges hold their index; the others a name, numbers too ("3"), in the string table.
      const indexed = edge.type === "element" || edge.type === "hidden";
      const named = indexed ? Number(edge.name) : string(String(edge.name));
      return [kind, named, edge.to * fields];
    }),
  );
  const meta = {
    node_fields: ["type", "name", "id", "self_size", "edge_count", "trace_node_id", "detachedness"],
    node_types: [NODE_TYPES, "string", "number", "number", "number", "number", "number"],
    edge_fields: ["type", "name_or_index", "to_node"],
    edge_types: [EDGE_TYPES, "string_or_number", "node"],
    trace_function_info_fields: ["function_id", "name", "script_name", "script_id", "line", "column"],
    trace_node_fields: ["id", "function_info_index", "count", "size", "children"],
    sample_fields: ["timestamp_us", "last_assigned_id"],
    location_fields: ["object_index", "script_id", "line", "column"],
  };
  const snapshot = {
    meta,
    node_count: nodes.length,
    edge_count: flatEdges.length / 3,
    trace_function_count: 0,
  };
  return `{"snapshot":${JSON.stringify(snapshot)},\n"nodes":[${flatNodes}],\n"edges":[${flatEdges}],\n"trace_function_infos":[],\n"trace_tree":[],\n"samples":[],\n"locations":[],\n"strings":${JSON.stringify(strings)}}\n`;
}

const node = (type: string, name: string, size: number, edges: Node["edges"] = []): Node => ({
  type,
  name,
  size,
  edges,
});

/** Indices: 0 root, 1 (GC roots), 2 global, 3 the Map, 4 its table, 5-7 Sessions, 8-10 their strings, … */
function knownHeap(): Node[] {
  const sessions = [5, 6, 7];
  return [
    node("synthetic", "", 0, [
      { type: "element", name: 1, to: 1 },
      { type: "shortcut", name: 2, to: 2 },
    ]),
    node("synthetic", "(GC roots)", 0, []),
    node("object", "global", 100, [
      { type: "property", name: "sessions", to: 3 },
      { type: "property", name: "other", to: 11 },
      { type: "property", name: "strings", to: 12 },
    ]),
    node("object", "Map", 32, [{ type: "internal", name: "table", to: 4 }]),
    node(
      "array",
      "(object elements)",
      200,
      sessions.map((to, index) => ({ type: "internal", name: index + 3, to })),
    ),
    ...sessions.map((session) =>
      node("object", "Session", 40, [{ type: "property", name: "user", to: session + 3 }]),
    ),
    ...sessions.map((session) => node("string", `user-${session}`, 24)),
    node("object", "Map", 32, []),
    node("object", "Object", 48, [
      { type: "property", name: "flat", to: 13 },
      { type: "property", name: "sliced", to: 14 },
      { type: "property", name: "cons", to: 15 },
    ]),
    node("string", "a flat string of one byte", 40),
    node("sliced string", "(sliced string)", 32, [{ type: "internal", name: "parent", to: 13 }]),
    node("concatenated string", "(concatenated string)", 32, [
      { type: "internal", name: "first", to: 13 },
      { type: "internal", name: "second", to: 13 },
    ]),
  ];
}

describe("the heap snapshot comparator on a snapshot with known answers", () => {
  let loaded: LoadedSnapshot;

  before(async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), "coredump-snapshot-")), "known.heapsnapshot");
    await writeFile(file, heapSnapshot(knownHeap()));
    loaded = await LoadedSnapshot.load(file);
  });

  it("counts every node, and JS objects by constructor", () => {
    assert.equal(loaded.nodeCount, 16);
    const counts = loaded.objectCounts();
    assert.equal(counts.get("Session"), 3);
    assert.equal(counts.get("Map"), 2);
    assert.equal(counts.get("(object elements)"), undefined, "an array is no JS object");
  });

  it("the retained size of the Map held as sessions: itself, its table, the Sessions and their strings", () => {
    assert.equal(loaded.globalMapRetainedSize("sessions"), 32 + 200 + 3 * 40 + 3 * 24);
    assert.throws(() => loaded.globalMapRetainedSize("nothing"), /0 Maps held as "nothing"/);
  });

  it("the shortest path to a Session runs from the global through the Map's table", () => {
    const steps = loaded.retainerPath("Session");
    assert.deepEqual(
      steps.map((step) => step.name),
      ["", "global", "Map", "(object elements)", "Session"],
      describePath(steps),
    );
    assert.equal(
      describePath(steps.slice(1)),
      "global -sessions-> Map -table-> (object elements) -3-> Session",
    );
    assert.ok(runsThroughMap(steps));
    assert.ok(!runsThroughMap(steps.filter((step) => step.name !== "Map")));
  });

  it("the properties of an object on the global: each string's representation and characters", () => {
    assert.deepEqual(loaded.propertiesOfGlobal("strings"), {
      flat: { type: "string", name: "a flat string of one byte" },
      sliced: { type: "sliced string", name: "(sliced string)" },
      cons: { type: "concatenated string", name: "(concatenated string)" },
    });
  });
});
