import type { RecordView } from "./read-record.js";
import { TRIAGE_VERSION } from "./version.js";

/** Why a dump is triaged on this run; undefined when its record stands. */
export type DueReason = "new" | "older version" | "dump replaced" | "retry" | "memory now";

export interface DueOptions {
  retryFailed: boolean;
  memoryBytes: number;
}

/**
 * A dump is due when it has no record, a record of an older triage version or of another ETag (the dump
 * was replaced), an untriageable record and `--retry-failed`, or a skipped record whose need the memory
 * now allows.
 */
export function dueReason(
  etag: string,
  view: RecordView | undefined,
  options: DueOptions,
): DueReason | undefined {
  if (!view) return "new";
  if (view.version < TRIAGE_VERSION) return "older version";
  if (view.etag !== etag) return "dump replaced";
  if (view.status === "untriageable" && options.retryFailed) return "retry";
  if (view.status === "skipped" && (options.retryFailed || (view.needsBytes ?? 0) <= options.memoryBytes))
    return "memory now";
  return undefined;
}
