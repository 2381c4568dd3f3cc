import { crashFactsProblem } from "../catalog/metadata-cache-shape.js";
import type { CrashFacts } from "../crashlog/crash-signature.js";
import type { TriageRecord, TriageStatus } from "./record.js";

const STATUSES: ReadonlySet<string> = new Set<TriageStatus>(["triaged", "untriageable", "skipped"]);

export function isTriageStatus(value: unknown): value is TriageStatus {
  return typeof value === "string" && STATUSES.has(value);
}

/**
 * A record read back from the bucket, or undefined when it is not one: anyone who may write the bucket may
 * write there, so every field a reader relies on is checked, and one that is wrong makes it no record (the
 * dump is triaged again).
 */
export function readRecord(bytes: Buffer): TriageRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    return undefined;
  }
  return recordOf(value);
}

/** A parsed value, when it is a record (see `readRecord`). */
export function recordOf(value: unknown): TriageRecord | undefined {
  if (!isObject(value) || value.format !== "coredump-triage") return undefined;
  const { version, id, key, etag, status, kind, title, signature, crash, needsBytes, jsStack } = value;
  if (typeof version !== "number" || !Number.isInteger(version)) return undefined;
  if (![id, key, etag].every((field) => typeof field === "string")) return undefined;
  if (!isTriageStatus(status)) return undefined;
  if (![kind, title, signature].every((field) => field === null || typeof field === "string"))
    return undefined;
  if (crash !== undefined && crashFactsProblem(crash) !== undefined) return undefined;
  if (needsBytes !== undefined && (typeof needsBytes !== "number" || !(needsBytes >= 0))) return undefined;
  if (!Array.isArray(jsStack)) return undefined;
  return value as unknown as TriageRecord;
}

/** What `list`, `groups` and triage's own planning need of a record: kept in the local cache, per record ETag. */
export interface RecordView {
  version: number;
  /** The dump object's ETag the record was made from. */
  etag: string;
  status: TriageStatus;
  needsBytes?: number;
  kind: string | null;
  title: string | null;
  crash?: CrashFacts;
  /** Which runtime's program made the core (`node`, `go`, `native`), where the record says. */
  runtime?: string;
}

export function viewOf(record: TriageRecord): RecordView {
  return {
    version: record.version,
    etag: record.etag,
    status: record.status,
    ...(record.needsBytes === undefined ? {} : { needsBytes: record.needsBytes }),
    kind: record.kind,
    title: record.title,
    ...(record.crash ? { crash: record.crash } : {}),
    ...(typeof record.runtime === "string" ? { runtime: record.runtime } : {}),
  };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
