import { runBatch } from "../debuggers/session.js";
import type { HeapFigures, HeapRequest, HeapType } from "./heap-source.js";

const TIMEOUT_MS = 20 * 60_000;

/**
 * The heap's constructors by shallow bytes, as the project's llnode counts them (`v8 findjsobjects`: one
 * walk of the whole heap, 32 s for a 64 MB heap on Node 22, shared with `v8 nodeinfo`'s). llnode finds no referrer through a Map's
 * backing store (its `findrefs` walks object properties and elements only), so no retainer paths here.
 */
export async function llnodeHeapFigures({
  target,
  llnodeOutput,
}: HeapRequest): Promise<HeapFigures | undefined> {
  const earlier = llnodeOutput?.includes(TABLE_HEADER) ? llnodeOutput : undefined;
  const output = earlier ?? (await runBatch(target, [...LLNODE_HEAP_COMMANDS], TIMEOUT_MS)).output;
  const types = parseFindJsObjects(output);
  return types.length > 0 ? { types } : undefined;
}

/**
 * The commands whose output this source reads: run them in the report's first llnode run, after `v8
 * nodeinfo` (which walks the heap, and llnode keeps what it found), and the heap is walked once.
 */
export const LLNODE_HEAP_COMMANDS = ["v8 findjsobjects"] as const;
const TABLE_HEADER = " Instances  Total Size Name";

const ROW = /^\s*(\d+)\s+(\d+)\s(.*)$/;

/** The rows of `v8 findjsobjects` (` Instances  Total Size Name`), by bytes; the unnamed row is dropped. */
export function parseFindJsObjects(output: string): HeapType[] {
  const types: HeapType[] = [];
  for (const line of output.split("\n")) {
    const row = ROW.exec(line);
    const name = row?.[3]?.trim();
    if (!row || !name) continue;
    types.push({ name, count: Number(row[1]), bytes: Number(row[2]) });
  }
  return types.sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
}
