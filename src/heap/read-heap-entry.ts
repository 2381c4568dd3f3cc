import type { ConstructorNamer } from "./constructor-sites.js";
import type { RenamedConstructor } from "./loaded-heap.js";
import { type HeapSummary, loadHeap, summarizeHeap } from "./read-heap.js";
import { type RetainingObject, retainedSizes, retainersByRetained } from "./retained.js";
import { findRetainers, type RetainerPath } from "./retainers.js";

export interface ReadHeapOptions {
  /** Keep the first N types only (all when absent). */
  top?: number;
  /** Group names whose retainer paths to find. */
  retainersOf?: string[];
  /**
   * Compute dominators and retained sizes: list this many objects that retain the most, give each type
   * its instances' retained size, and rank retainer paths by what their objects retain.
   */
  retained?: number;
  /** Names minified constructors as written (source maps), in every figure. */
  constructorNames?: ConstructorNamer | undefined;
}

export interface HeapReading extends HeapSummary {
  retainers?: Record<string, RetainerPath[]>;
  /** With `retained`: the objects that retain the most, largest first. */
  retaining?: RetainingObject[];
  /** With `constructorNames`: the constructors shown by their original names. */
  renamed?: RenamedConstructor[];
}

const RETAINER_PATHS = 3;

/**
 * The programmatic entry: the live heap's histogram of a Node core (and retainer paths to the groups
 * asked for, and retained sizes if asked), read from the core and the executable's V8 postmortem symbols only.
 */
export async function readHeap(
  corePath: string,
  executablePath: string,
  options: ReadHeapOptions = {},
): Promise<HeapReading> {
  const withRetained = options.retained !== undefined;
  const heap = await loadHeap(corePath, executablePath, {
    graph: withRetained,
    constructorNames: options.constructorNames,
  });
  const summary: HeapReading = summarizeHeap(heap);
  if (heap.renamed.length > 0) summary.renamed = heap.renamed;
  const sizes = withRetained ? retainedSizes(heap, options.retained ?? 0) : undefined;
  if (sizes) {
    summary.retaining = sizes.objects;
    summary.types = summary.types.map((type) => ({ ...type, retained: sizes.byGroup.get(type.name) ?? 0 }));
  }
  if (options.retainersOf?.length) {
    summary.retainers = Object.fromEntries(
      options.retainersOf.map((name) => [
        name,
        sizes ? retainersByRetained(heap, sizes, name, RETAINER_PATHS) : findRetainers(heap, name),
      ]),
    );
  }
  if (options.top !== undefined) summary.types = summary.types.slice(0, options.top);
  return summary;
}
