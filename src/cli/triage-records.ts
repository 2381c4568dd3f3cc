import type { Catalog } from "../catalog/catalog.js";
import type { Dump } from "../catalog/dump.js";
import type { Settings } from "../settings.js";
import type { RecordView } from "../triage/read-record.js";
import { readRecords } from "../triage/records.js";
import { openRecordPlace, type ResultsFlags } from "./record-place.js";

/** Each dump's triage record as `list` and `groups` show it; nothing read when no record is listed. */
export type RecordOf = (dump: Dump) => RecordView | undefined;

export async function triageRecords(
  catalog: Catalog,
  flags: ResultsFlags,
  settings: Settings,
): Promise<RecordOf> {
  const place = await openRecordPlace(flags, settings, catalog.store);
  const records = await readRecords(place, { cacheDir: settings.cacheDir, listed: catalog.recordObjects });
  if (records.size === 0) return () => undefined;
  return (dump) => records.of(dump.objects)?.view;
}

/** `list --json`'s `triage`: what the record says, or null for a dump not triaged. */
export function triageJson(view: RecordView | undefined) {
  if (!view) return null;
  return {
    status: view.status,
    kind: view.kind,
    title: view.title,
    ...(view.needsBytes === undefined ? {} : { needsBytes: view.needsBytes }),
  };
}
