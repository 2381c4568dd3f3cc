import type { Dump } from "../../catalog/dump.js";
import { type FilterFlags, parseFilter } from "../../catalog/filters.js";
import { NoMatchError } from "../../catalog/resolve.js";
import type { CrashFacts } from "../../crashlog/crash-signature.js";
import { type CrashGroup, groupDumps } from "../../groups/group-dumps.js";
import { mapLogCrashes } from "../../groups/mapped-log-crashes.js";
import type { Settings } from "../../settings.js";
import { formatTime } from "../../ui/format.js";
import { renderTable, terminalWidth } from "../../ui/table.js";
import { style, writeHuman, writeJsonArray } from "../../ui/untrusted-text.js";
import { openCatalog } from "../open-catalog.js";
import type { ResultsFlags } from "../record-place.js";
import { selectDumps } from "../select-dumps.js";
import { shortIds } from "../short-ids.js";
import { triageRecords } from "../triage-records.js";

export interface GroupsFlags extends ResultsFlags, FilterFlags {
  json?: boolean;
  /** commander's `--no-source-maps`: false when given. */
  sourceMaps?: boolean;
}

export async function groups(flags: GroupsFlags, settings: Settings): Promise<void> {
  const filter = parseFilter(flags);
  const catalog = await openCatalog(flags, settings);
  const records = triageRecords(catalog, flags, settings);
  const dumps = await selectDumps(catalog, filter);
  if (dumps.length === 0) throw new NoMatchError(`no dump matches in ${catalog.store.description}`);
  const recordOf = await records.read();
  const known = (dump: Dump) => recordOf(dump)?.crash ?? catalog.reported(dump);
  const fromLogs =
    flags.sourceMaps === false
      ? new Map<Dump, CrashFacts>()
      : await mapLogCrashes(
          dumps.filter((dump) => known(dump) === undefined),
          {
            settings,
            folder: settings.sourceMapsDir,
            onProgress: (message: string) =>
              writeHuman(process.stderr, `coredump: source maps: ${message}\n`),
          },
        );
  // A triage record's crash is the core's own: it comes before a report's cached here and the log's.
  const found = groupDumps(
    dumps,
    (dump) => known(dump) ?? fromLogs.get(dump),
    (dump) => recordOf(dump)?.status === "triaged",
  );
  if (flags.json) await writeJsonArray(process.stdout, found, (group) => group);
  else {
    // Short ids as list shows them, unique among every dump selected: `report <id>` takes any of them.
    const all = dumps.map((dump) => dump.id);
    const short = new Map(shortIds(all).map((id, index) => [all[index] ?? "", id]));
    const triaged = dumps.some((dump) => recordOf(dump) !== undefined);
    writeHuman(process.stdout, `${renderGroups(found, short, triaged)}\n`);
  }
}

function renderGroups(
  found: readonly CrashGroup[],
  short: ReadonlyMap<string, string>,
  triaged: boolean,
): string {
  const rows = found.map((group) => [
    // The newest dump of the group (dumps come newest first): what `report` and `debug` take.
    style.yellow(short.get(group.ids[0] ?? "") ?? group.ids[0] ?? "-"),
    String(group.count),
    ...(triaged ? [`${Math.round((100 * group.triaged) / group.count)}%`] : []),
    formatTime(group.last ? new Date(group.last) : undefined),
    group.kind,
    summarise(group.namespaces),
    style.bold(group.title),
  ]);
  return renderTable(
    ["NEWEST", "COUNT", ...(triaged ? ["TRIAGED"] : []), "LAST", "KIND", "NAMESPACES", "CRASH"],
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
