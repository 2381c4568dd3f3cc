import type { Evidence } from "../evidence.js";
import type { HeapFigures, HeapHolder, HeapRetainer, HeapType } from "../heap-source.js";

/** What an out-of-memory report says about the heap (`heap` in `report --json`). */
export interface HeapSection {
  /** From `--max-old-space-size` in the core's memory or the log. */
  limitBytes?: number;
  /** The old space's size after V8's last collection, as it printed it. */
  usedBytes?: number;
  top: HeapType[];
  /** What holds the memory: the objects that retain the most, with their share of the live heap. */
  holders?: HeapHolder[];
  retainers?: HeapRetainer[];
  /** What of the core the heap reader could not read as it claimed (see `heap --json`'s notes). */
  notes?: string[];
  /** Constructors shown by the names the service's source declares (source maps), with V8's. */
  renamed?: HeapFigures["renamed"];
}

const TOP = 10;
const MB = 1024 * 1024;

export function heapSection(evidence: Evidence, figures: HeapFigures | undefined): HeapSection {
  const section: HeapSection = { top: figures?.types.slice(0, TOP) ?? [] };
  const limitMb = evidence.core.maxOldSpaceMb ?? evidence.log?.maxOldSpaceMb;
  if (limitMb !== undefined) section.limitBytes = limitMb * MB;
  // The log's trace first: the core's memory may hold an older line of the trace than the last (on Node
  // 26, 39 MB where the last collection left 70 MB), and out-of-memory is decided on the core's own signs.
  const gc = evidence.log?.lastGc ?? evidence.core.lastGc;
  if (gc) section.usedBytes = Math.round(gc.afterMb * MB);
  if (figures?.holders) section.holders = figures.holders;
  if (figures?.retainers) section.retainers = figures.retainers;
  if (figures?.notes) section.notes = figures.notes;
  if (figures?.renamed) section.renamed = figures.renamed;
  return { ...section };
}
