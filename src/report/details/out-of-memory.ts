import type { Evidence } from "../evidence.js";
import type { HeapFigures, HeapRetainer, HeapType } from "../heap-source.js";

/** What an out-of-memory report says about the heap (`heap` in `report --json`). */
export interface HeapSection {
  /** From `--max-old-space-size` in the core's memory or the log. */
  limitBytes?: number;
  /** The old space's size after V8's last collection, as it printed it. */
  usedBytes?: number;
  top: HeapType[];
  retainers?: HeapRetainer[];
  /** What of the core the heap reader could not read as it claimed (see `heap --json`'s notes). */
  notes?: string[];
}

const TOP = 10;
const MB = 1024 * 1024;

export function heapSection(evidence: Evidence, figures: HeapFigures | undefined): HeapSection {
  const section: HeapSection = { top: figures?.types.slice(0, TOP) ?? [] };
  const limitMb = evidence.core.maxOldSpaceMb ?? evidence.log?.maxOldSpaceMb;
  if (limitMb !== undefined) section.limitBytes = limitMb * MB;
  // The core's own trace first: a log is the container's output, and anything may have written it.
  const gc = evidence.core.lastGc ?? evidence.log?.lastGc;
  if (gc) section.usedBytes = Math.round(gc.afterMb * MB);
  if (figures?.retainers) section.retainers = figures.retainers;
  if (figures?.notes) section.notes = figures.notes;
  return { ...section };
}
