import type { DumpObjects } from "../catalog/group.js";
import { isRecordsKey, RECORDS_FOLDER } from "../catalog/key-name.js";
import type { Store } from "../store/store.js";

/**
 * Where records live: the dumps' own store (`base` empty: each dump's record in a records folder beside
 * it), or another (`--results s3://bucket/prefix`: the same keys under that prefix).
 */
export interface RecordPlace {
  store: Store;
  base: string;
  /** True when records live in the dumps' own store, and its listing holds them. */
  beside: boolean;
}

/** `team-a/NAME.zip` → `team-a/.coredump-triage/NAME.json`: derived from the dump's key, one per dump. */
export function recordKey(place: RecordPlace, dump: Pick<DumpObjects, "folder" | "stem">): string {
  return `${place.base}${dump.folder}${RECORDS_FOLDER}${dump.stem}.json`;
}

/** The dump a record's key was derived from (its folder and stem, run together), or undefined. */
export function dumpOfRecordKey(place: RecordPlace, key: string): string | undefined {
  const dump = recordDumpOf(place, key);
  return dump && dumpName(dump);
}

/** The folder and stem of the dump a record's key was derived from, or undefined. */
export function recordDumpOf(
  place: RecordPlace,
  key: string,
): Pick<DumpObjects, "folder" | "stem"> | undefined {
  if (!key.startsWith(place.base) || !key.endsWith(".json") || !isRecordsKey(key)) return undefined;
  const rest = key.slice(place.base.length, -".json".length);
  const at = rest.lastIndexOf(RECORDS_FOLDER);
  if (at < 0 || (at > 0 && rest[at - 1] !== "/")) return undefined;
  const stem = rest.slice(at + RECORDS_FOLDER.length);
  if (stem === "" || stem.includes("/")) return undefined;
  return { folder: rest.slice(0, at), stem };
}

/** The key a run writes before any core is fetched, to learn that it may write at all. Never a record. */
export function probeKey(place: RecordPlace): string {
  return `${place.base}${RECORDS_FOLDER}.write-probe`;
}

/** How a dump is named among records: its folder and stem, as `dumpOfRecordKey` gives them back. */
export function dumpName(dump: Pick<DumpObjects, "folder" | "stem">): string {
  return dump.folder + dump.stem;
}
