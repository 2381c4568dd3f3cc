import type { Catalog } from "../catalog/catalog.js";
import type { Dump } from "../catalog/dump.js";
import { type DumpFilter, matches } from "../catalog/filters.js";

/**
 * The dumps a filter keeps, newest first, at most `limit`, described as a listing needs them. Filters that
 * key names answer go first, so that metadata is read only for dumps that may be shown.
 */
export async function selectDumps(catalog: Catalog, filter: DumpFilter, limit?: number): Promise<Dump[]> {
  const { namespace, ...byName } = filter;
  let dumps = (await catalog.dumps()).filter((dump) => matches(dump, byName));
  if (namespace === undefined && limit !== undefined) dumps = dumps.slice(0, limit);
  dumps = (await catalog.describe(dumps, "list")).filter((dump) => matches(dump, filter));
  return limit === undefined ? dumps : dumps.slice(0, limit);
}
