import { type FilterFlags, parseFilter } from "../../catalog/filters.js";
import { NoMatchError } from "../../catalog/resolve.js";
import { type CrashGroup, groupDumps } from "../../groups/group-dumps.js";
import type { Settings } from "../../settings.js";
import { formatTime } from "../../ui/format.js";
import { renderTable, terminalWidth } from "../../ui/table.js";
import { style, writeHuman, writeJsonArray } from "../../ui/untrusted-text.js";
import { openCatalog } from "../open-catalog.js";
import { selectDumps } from "../select-dumps.js";
import { shortIds } from "../short-ids.js";
import type { StoreFlags } from "../store-options.js";

export interface GroupsFlags extends StoreFlags, FilterFlags {
  json?: boolean;
}

export async function groups(flags: GroupsFlags, settings: Settings): Promise<void> {
  const filter = parseFilter(flags);
  const catalog = await openCatalog(flags, settings);
  const dumps = await selectDumps(catalog, filter);
  if (dumps.length === 0) throw new NoMatchError(`no dump matches in ${catalog.store.description}`);
  const found = groupDumps(dumps, (dump) => catalog.reported(dump));
  if (flags.json) await writeJsonArray(process.stdout, found, (group) => group);
  else {
    // Short ids as list shows them, unique among every dump selected: `report <id>` takes any of them.
    const all = dumps.map((dump) => dump.id);
    const short = new Map(shortIds(all).map((id, index) => [all[index] ?? "", id]));
    writeHuman(process.stdout, `${renderGroups(found, short)}\n`);
  }
}

function renderGroups(found: readonly CrashGroup[], short: ReadonlyMap<string, string>): string {
  const rows = found.map((group) => [
    // The newest dump of the group (dumps come newest first): what `report` and `debug` take.
    style.yellow(short.get(group.ids[0] ?? "") ?? group.ids[0] ?? "-"),
    String(group.count),
    formatTime(group.last ? new Date(group.last) : undefined),
    group.kind,
    summarise(group.namespaces),
    style.bold(group.title),
  ]);
  return renderTable(
    ["NEWEST", "COUNT", "LAST", "KIND", "NAMESPACES", "CRASH"],
    rows,
    terminalWidth(process.stdout),
  );
}

/** `shop, cart +3`: a table cell stays short however many namespaces a crash spans. */
function summarise(values: readonly string[]): string {
  if (values.length === 0) return "-";
  const shown = values.slice(0, 2).join(", ");
  return values.length > 2 ? `${shown} +${values.length - 2}` : shown;
}
