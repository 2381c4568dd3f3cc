/**
 * A `.heapsnapshot` as a real consumer reads it: memlab's heap parser (`@memlab/core`, the library behind
 * Meta's memlab, which loads the files Chrome DevTools' Memory panel loads), with its dominators, retained
 * sizes and shortest paths from the roots. What the heap tests compare between Node's own snapshot and one
 * written from a core.
 */

import type { IHeapNode, IHeapSnapshot } from "@memlab/core";
import memlab from "@memlab/core";

// memlab is a CLI at heart: it prints progress on stdout and exits the process on a bad file unless told.
memlab.config.muteConsole = true;
memlab.config.errorHandling = memlab.ErrorHandling.Throw;

/** One step of a retainer path: a node, and the edge from it to the next step (none on the last). */
export interface PathStep {
  name: string;
  type: string;
  edge?: string;
  edgeType?: string;
}

export class LoadedSnapshot {
  private dominatorsDone = false;
  private pathsDone = false;
  private readonly finder = new memlab.TraceFinder();

  private constructor(
    readonly file: string,
    private readonly heap: IHeapSnapshot,
  ) {}

  static async load(file: string): Promise<LoadedSnapshot> {
    return new LoadedSnapshot(file, await memlab.utils.getSnapshotFromFile(file, {}));
  }

  /** Every node, synthetic ones (roots, GC root categories) included: what DevTools' summary counts. */
  get nodeCount(): number {
    return this.heap.nodes.length;
  }

  /** JS objects (node type `object`) by constructor name: `Session` → 1237. */
  objectCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    this.heap.nodes.forEach((node) => {
      if (node.type === "object") counts.set(node.name, (counts.get(node.name) ?? 0) + 1);
    });
    return counts;
  }

  /**
   * The retained size of the Map that the global object holds as the property `property`: the bytes that
   * would be freed with it, from memlab's dominator tree. Fails unless exactly one Map is held that way.
   */
  globalMapRetainedSize(property: string): number {
    const map = this.heldAs(property, (node) => node.type === "object" && node.name === "Map", "Maps");
    return this.retainedSizeOf(map);
  }

  /**
   * The retained size of the context of the closure that the global object holds as the property
   * `property` (what the closure's variables keep alive), from memlab's dominator tree.
   */
  globalClosureContextRetainedSize(property: string): number {
    const closure = this.heldAs(property, (node) => node.type === "closure", "closures");
    const context = closure.references.find(
      (edge) => edge.type === "internal" && edge.name_or_index === "context",
    )?.toNode;
    if (!context) throw new Error(`${this.file}: the closure held as "${property}" has no context`);
    return this.retainedSizeOf(context);
  }

  /** The one node that `accept` takes and that something holds as the property `property`. */
  private heldAs(property: string, accept: (node: IHeapNode) => boolean, what: string): IHeapNode {
    const found: IHeapNode[] = [];
    this.heap.nodes.forEach((node) => {
      if (!accept(node)) return;
      if (node.referrers.some((edge) => edge.type === "property" && edge.name_or_index === property))
        found.push(node);
    });
    const [node] = found;
    if (!node || found.length > 1)
      throw new Error(`${this.file}: ${found.length} ${what} held as "${property}", expected one`);
    return node;
  }

  private retainedSizeOf(node: IHeapNode): number {
    if (!this.dominatorsDone) {
      this.finder.calculateAllNodesRetainedSizes(this.heap);
      this.dominatorsDone = true;
    }
    return node.retainedSize;
  }

  /**
   * The nodes that the properties of the object the global holds as `property` lead to, by property:
   * `{ sliced: { type: "sliced string", name: "(sliced string)" }, twoByte: { type: "string", name: "heap-…" } }`.
   * How the snapshot shows a string's representation (its type) and, for a flat string, its characters.
   */
  propertiesOfGlobal(property: string): Record<string, { type: string; name: string }> {
    const holders: IHeapNode[] = [];
    this.heap.nodes.forEach((node) => {
      if (node.type !== "object") return;
      if (node.referrers.some((edge) => edge.type === "property" && edge.name_or_index === property))
        holders.push(node);
    });
    const [holder] = holders;
    if (!holder || holders.length > 1)
      throw new Error(`${this.file}: ${holders.length} objects held as "${property}", expected one`);
    return Object.fromEntries(
      holder.references
        .filter((edge) => edge.type === "property" && edge.name_or_index !== "__proto__")
        .map((edge) => [String(edge.name_or_index), { type: edge.toNode.type, name: edge.toNode.name }]),
    );
  }

  /** memlab's shortest path from a GC root to an instance of `className` (its first), root first. */
  retainerPath(className: string): PathStep[] {
    const instance = this.heap.getAnyObjectWithClassName(className);
    if (!instance) throw new Error(`${this.file}: no instance of ${className}`);
    if (!this.pathsDone) {
      this.finder.annotateShortestPaths(this.heap);
      this.pathsDone = true;
    }
    const steps: PathStep[] = [];
    for (let item = this.finder.getPathToGCRoots(this.heap, instance); item; item = item.next) {
      const { node, edge } = item;
      if (!node) continue;
      steps.push({
        name: node.name,
        type: node.type,
        ...(edge ? { edge: String(edge.name_or_index), edgeType: edge.type } : {}),
      });
    }
    return steps;
  }
}

/** Whether a retainer path runs through a JS Map (a `Map` object whose backing table it follows). */
export function runsThroughMap(path: readonly PathStep[]): boolean {
  return path.some((step) => step.type === "object" && step.name === "Map" && step.edge === "table");
}

/** A path as one line: `global -sessions-> Map -table-> (object elements) -2099-> Session`. */
export function describePath(path: readonly PathStep[]): string {
  if (path.length === 0) return "(memlab finds no path from a GC root)";
  return path.map((step) => (step.edge === undefined ? step.name : `${step.name} -${step.edge}->`)).join(" ");
}
