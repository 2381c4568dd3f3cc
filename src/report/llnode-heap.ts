import { runBatch } from "../debuggers/session.js";
import type { HeapFigures, HeapRequest, HeapType } from "./heap-source.js";

const TIMEOUT_MS = 20 * 60_000;

/**
 * The heap's constructors by shallow bytes, as the project's llnode counts them (`v8 findjsobjects`: one
 * walk of the whole heap, 32 s for a 64 MB heap on Node 22): for the builds src/heap does not read. llnode
 * finds no referrer through a Map's backing store (its `findrefs` walks object properties and elements
 * only), so no retainer paths here.
 */
export async function llnodeHeapFigures({ target }: HeapRequest): Promise<HeapFigures | undefined> {
  if (!target) return undefined;
  const types = parseFindJsObjects((await runBatch(target, ["v8 findjsobjects"], TIMEOUT_MS)).output);
  return types.length > 0 ? { types } : undefined;
}

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
