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
}

const TOP = 10;
const MB = 1024 * 1024;

export function heapSection(evidence: Evidence, figures: HeapFigures | undefined): HeapSection {
  const section: HeapSection = { top: figures?.types.slice(0, TOP) ?? [] };
  const limitMb = evidence.core.maxOldSpaceMb ?? evidence.log?.maxOldSpaceMb;
  if (limitMb !== undefined) section.limitBytes = limitMb * MB;
  const gc = evidence.log?.lastGc ?? evidence.core.lastGc;
  if (gc) section.usedBytes = Math.round(gc.afterMb * MB);
  if (figures?.retainers) section.retainers = figures.retainers;
  return { ...section };
}
