/** The `.heapsnapshot` vocabulary that DevTools and memlab read (V8's HeapSnapshotJSONSerializer's meta). */
export const NODE_FIELDS = ["type", "name", "id", "self_size", "edge_count", "trace_node_id", "detachedness"];
export const NODE_TYPES = [
  "hidden",
  "array",
  "string",
  "object",
  "code",
  "closure",
  "regexp",
  "number",
  "native",
  "synthetic",
  "concatenated string",
  "sliced string",
  "symbol",
  "bigint",
  "object shape",
] as const;
export const EDGE_FIELDS = ["type", "name_or_index", "to_node"];
export const EDGE_TYPES = [
  "context",
  "element",
  "property",
  "internal",
  "hidden",
  "shortcut",
  "weak",
] as const;

export type NodeType = (typeof NODE_TYPES)[number];
export type EdgeType = (typeof EDGE_TYPES)[number];

export const nodeTypeIndex = (type: NodeType): number => NODE_TYPES.indexOf(type);
export const edgeTypeIndex = (type: EdgeType): number => EDGE_TYPES.indexOf(type);

/** Element and hidden edges carry an index; the others a string's index in `strings`. */
export const isIndexEdge = (type: EdgeType): boolean => type === "element" || type === "hidden";
