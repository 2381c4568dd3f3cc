import { crashTime, type Dump } from "../../catalog/dump.js";
import { type FilterFlags, parseFilter } from "../../catalog/filters.js";
import { NoMatchError } from "../../catalog/resolve.js";
import { UsageError } from "../../errors.js";
import type { Settings } from "../../settings.js";
import { formatSize, formatTime } from "../../ui/format.js";
import { renderTable, terminalWidth } from "../../ui/table.js";
import { style, writeHuman, writeJsonArray } from "../../ui/untrusted-text.js";
import { dumpSummaryJson } from "../dump-json.js";
import { openCatalog } from "../open-catalog.js";
import type { ResultsFlags } from "../record-place.js";
import { selectDumps } from "../select-dumps.js";
import { shortIds } from "../short-ids.js";
import { type RecordOf, triageJson, triageRecords } from "../triage-records.js";

export interface ListFlags extends ResultsFlags, FilterFlags {
  lines?: string;
  newest?: boolean;
  json?: boolean;
}

export async function list(flags: ListFlags, settings: Settings): Promise<void> {
  const filter = parseFilter(flags);
  const limit = flags.newest ? 1 : parseCount(flags.lines);
  const catalog = await openCatalog(flags, settings);
  const records = triageRecords(catalog, flags, settings);
  const dumps = await selectDumps(catalog, filter, limit);
  const recordOf = await records.read();
  if (flags.json) {
    await writeJsonArray(process.stdout, dumps, (dump) => ({
      ...dumpSummaryJson(dump),
      triage: triageJson(recordOf(dump)),
    }));
  } else if (dumps.length > 0) {
    writeHuman(process.stdout, `${renderDumps(dumps, recordOf)}\n`);
  }
  if (dumps.length === 0) throw new NoMatchError(`no dump matches in ${catalog.store.description}`);
}

/** With any dump triaged, the record's kind and crash line close each row. */
function renderDumps(dumps: readonly Dump[], recordOf: RecordOf): string {
  const ids = shortIds(dumps.map((dump) => dump.id));
  const triaged = dumps.some((dump) => recordOf(dump) !== undefined);
  // Only uuids are shortened: the name of a dump from before uuids is its id, whole.
  const rows = dumps.map((dump, index) => [
    style.yellow(dump.id === dump.stem ? dump.id : (ids[index] ?? dump.id)),
    formatTime(crashTime(dump)),
    dump.namespace ?? "-",
    dump.pod ?? "-",
    dump.exe ?? "-",
    signalCell(dump),
    formatSize(dump.size),
    dump.complete ? dump.state : style.red(dump.state),
    ...(triaged ? triageCells(recordOf(dump)) : []),
  ]);
  return renderTable(
    [
      "ID",
      "TIME",
      "NAMESPACE",
      "POD",
      "EXE",
      "SIGNAL",
      "SIZE",
      "STATE",
      ...(triaged ? ["KIND", "CRASH"] : []),
    ],
    rows,
    terminalWidth(process.stdout),
  );
}

function triageCells(view: ReturnType<RecordOf>): string[] {
  if (!view) return ["-", "-"];
  if (view.status === "triaged") return [view.kind ?? "-", view.title ?? "-"];
  return [view.kind ?? style.red(view.status), style.red(view.status)];
}

/** Signal 0 is what `coredump capture` writes: a live process's core, no death. */
function signalCell(dump: Dump): string {
  if (dump.signal === 0) return "captured";
  return dump.signalName ?? (dump.signal === undefined ? "-" : String(dump.signal));
}

function parseCount(word: string | undefined): number | undefined {
  if (word === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(word)) throw new UsageError(`-n ${word}: give a count of dumps, such as -n 10`);
  return Number(word);
}
