import { type HeapSummary, loadHeap, summarizeHeap } from "./read-heap.js";
import { findRetainers, type RetainerPath } from "./retainers.js";

export interface ReadHeapOptions {
  /** Keep the first N types only (all when absent). */
  top?: number;
  /** Group names whose retainer paths to find. */
  retainersOf?: string[];
}

export interface HeapReading extends HeapSummary {
  retainers?: Record<string, RetainerPath[]>;
}

/**
 * The programmatic entry: the live heap's histogram of a Node core (and retainer paths to the groups
 * asked for), read from the core and the executable's V8 postmortem symbols only.
 */
export async function readHeap(
  corePath: string,
  executablePath: string,
  options: ReadHeapOptions = {},
): Promise<HeapReading> {
  const heap = await loadHeap(corePath, executablePath);
  const summary: HeapReading = summarizeHeap(heap);
  if (options.retainersOf?.length) {
    summary.retainers = Object.fromEntries(
      options.retainersOf.map((name) => [name, findRetainers(heap, name)]),
    );
  }
  if (options.top !== undefined) summary.types = summary.types.slice(0, options.top);
  return summary;
}
