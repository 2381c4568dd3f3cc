import type { Catalog } from "../catalog/catalog.js";
import type { Dump } from "../catalog/dump.js";
import type { Settings } from "../settings.js";
import type { RecordView } from "../triage/read-record.js";
import { loadRecordCache, readRecords } from "../triage/records.js";
import { openRecordPlace, type ResultsFlags } from "./record-place.js";

/** Each dump's triage record as `list` and `groups` show it; nothing read when no record is listed. */
export type RecordOf = (dump: Dump) => RecordView | undefined;

/**
 * The records of the catalog's dumps. Called before the dumps are listed: the local cache of records is
 * read from disk while the listing waits on the store, and `read`, once the listing is done, takes the
 * records it names.
 */
export function triageRecords(
  catalog: Catalog,
  flags: ResultsFlags,
  settings: Settings,
): { read: () => Promise<RecordOf> } {
  const place = openRecordPlace(flags, settings, catalog.store);
  const cache = place.then((opened) => loadRecordCache(opened, settings.cacheDir));
  // Awaited by `read`; a failure meanwhile is its to throw, not an unhandled rejection.
  cache.catch(() => undefined);
  return {
    read: async () => {
      const records = await readRecords(await place, {
        cacheDir: settings.cacheDir,
        listed: catalog.recordObjects,
        cache,
      });
      if (records.size === 0) return () => undefined;
      return (dump) => records.of(dump.objects)?.view;
    },
  };
}

/** `list --json`'s `triage`: what the record says, or null for a dump not triaged. */
export function triageJson(view: RecordView | undefined) {
  if (!view) return null;
  return {
    status: view.status,
    kind: view.kind,
    title: view.title,
    ...(view.runtime === undefined ? {} : { runtime: view.runtime }),
    ...(view.needsBytes === undefined ? {} : { needsBytes: view.needsBytes }),
  };
}
