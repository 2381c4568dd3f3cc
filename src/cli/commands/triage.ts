import { setTimeout } from "node:timers/promises";
import ms from "ms";
import type { Catalog } from "../../catalog/catalog.js";
import { type DumpFilter, type FilterFlags, parseFilter } from "../../catalog/filters.js";
import { NoMatchError } from "../../catalog/resolve.js";
import { UsageError } from "../../errors.js";
import { buildReport } from "../../report/build-report.js";
import type { Settings } from "../../settings.js";
import { type MemoryLimit, memoryLimit } from "../../triage/memory.js";
import type { RecordPlace } from "../../triage/record-place.js";
import { readRecords } from "../../triage/records.js";
import { type Outcome, planTriage, runTriage } from "../../triage/run-triage.js";
import { parseShard, type Shard, shardFromEnv } from "../../triage/shard.js";
import { formatSize } from "../../ui/format.js";
import { StatusLine } from "../../ui/progress.js";
import { jsonLine, style, visibleLine, writeHuman } from "../../ui/untrusted-text.js";
import { interruptSignal } from "../../util/interrupt.js";
import { workdirFrom } from "../../workspace/dump-folder.js";
import { openCatalog } from "../open-catalog.js";
import { type FetchFlags, prepareChosenDump } from "../prepare-dump.js";
import { openRecordPlace, type ResultsFlags } from "../record-place.js";
import { selectDumps } from "../select-dumps.js";
import { parseSize } from "./clean.js";

export interface TriageFlags extends FetchFlags, FilterFlags, ResultsFlags {
  /** `--watch` alone is true: every five minutes. */
  watch?: string | boolean;
  shard?: string;
  jobs?: string;
  memory?: string;
  retryFailed?: boolean;
  json?: boolean;
}

/**
 * Triages every dump of this worker's shard that has no current record: one report each, its record
 * written in one PUT, its core removed before the next. Progress on a terminal, a summary at the end;
 * with --json, one JSON line per dump triaged. With --watch, lists again every interval and triages what
 * is new, until stopped.
 */
export async function triage(flags: TriageFlags, settings: Settings): Promise<void> {
  const round: Round = {
    flags,
    settings,
    filter: parseFilter(flags),
    shard: flags.shard !== undefined ? parseShard(flags.shard) : shardFromEnv(settings.env),
    jobs: parseJobs(flags.jobs),
    memory: await memoryLimit(flags.memory === undefined ? undefined : parseSize(flags.memory, "--memory")),
    catalog: await openCatalog(flags, settings),
  };
  const interval =
    flags.watch === undefined || flags.watch === false
      ? undefined
      : parseInterval(flags.watch === true ? "5m" : flags.watch);
  const place = await openRecordPlace(flags, settings, round.catalog.store);
  if (interval === undefined) {
    await triageRound(round, place, false);
    return;
  }
  for (;;) {
    await triageRound(round, place, true);
    await setTimeout(interval, undefined, { signal: interruptSignal }).catch(() => {
      throw interruptSignal.reason;
    });
  }
}

interface Round {
  flags: TriageFlags;
  settings: Settings;
  filter: DumpFilter;
  shard: Shard | undefined;
  jobs: number;
  memory: MemoryLimit;
  catalog: Catalog;
}

/** One listing and the triage of what it shows undone; watching, an empty bucket is no failure. */
async function triageRound(
  { flags, settings, filter, shard, jobs, memory, catalog }: Round,
  place: RecordPlace,
  watching: boolean,
): Promise<void> {
  const dumps = await selectDumps(catalog, filter);
  if (dumps.length === 0 && !watching)
    throw new NoMatchError(`no dump matches in ${catalog.store.description}`);
  const records = await readRecords(place, { cacheDir: settings.cacheDir, listed: catalog.recordObjects });
  const plan = planTriage({ dumps, records, shard, retryFailed: flags.retryFailed === true, memory });
  if (watching && plan.due.length === 0) return;
  const progress = new Progress(plan.due.length, process.stderr.isTTY === true && flags.quiet !== true);
  const counts = { triaged: 0, untriageable: 0, skipped: 0 };
  const workdir = workdirFrom(flags.workdir, settings);
  try {
    await runTriage({
      place,
      due: plan.due,
      jobs,
      memory,
      workdir,
      analyse: async (dump) => {
        const prepared = await prepareChosenDump(catalog, dump, { ...flags, quiet: true }, settings);
        return buildReport({ ...prepared, insecureRegistries: flags.insecureRegistry ?? [], settings });
      },
      onStart: (dump) => progress.started(dump.id),
      onRecord: (outcome) => {
        counts[outcome.record.status]++;
        progress.finished(outcome);
        if (flags.json) process.stdout.write(jsonLine(lineOf(outcome)));
      },
    });
  } finally {
    progress.stop();
  }
  if (flags.quiet !== true)
    writeHuman(
      process.stderr,
      `coredump: triage${shard ? ` shard ${shard.index}/${shard.count}` : ""}: ${dumps.length} dumps, ${plan.done} already triaged, ${counts.triaged} triaged, ${counts.untriageable} untriageable, ${counts.skipped} skipped for memory${plan.elsewhere ? `, ${plan.elsewhere} in other shards` : ""}${plan.coreless ? `, ${plan.coreless} without a core` : ""} (records in ${place.store.description}; ${jobs} at once within ${formatSize(memory.bytes)} from ${memory.source})\n`,
    );
}

/** `--watch 5m`: how long to wait between listings, at least a second. */
function parseInterval(word: string): number {
  const value = /^\d+(\.\d+)?\s*[a-z]+$/i.test(word) ? ms(word as ms.StringValue) : Number.NaN;
  if (!Number.isFinite(value) || value < 1000)
    throw new UsageError(`--watch ${word}: give an interval of a second or more, such as 30s or 5m`);
  return value;
}

/** One line of `triage --json`: the dump, why it was triaged now, and what its record says. */
function lineOf({ dump, reason, key, record, seconds }: Outcome) {
  return {
    id: dump.id,
    due: reason,
    status: record.status,
    kind: record.kind,
    title: record.title,
    ...(record.reason === undefined ? {} : { reason: record.reason }),
    ...(record.needsBytes === undefined ? {} : { needsBytes: record.needsBytes }),
    record: key,
    seconds: Math.round(seconds * 1000) / 1000,
  };
}

function parseJobs(word: string | undefined): number {
  if (word === undefined) return 1;
  if (!/^[1-9]\d*$/.test(word))
    throw new UsageError(`--jobs ${word}: give a count of dumps at once, such as --jobs 2`);
  return Number(word);
}

/** `triaging 12/40  3f2a… out-of-memory`: one line on a terminal, nothing otherwise. */
class Progress {
  private done = 0;
  private readonly line = new StatusLine();

  constructor(
    private readonly total: number,
    private readonly enabled: boolean,
  ) {}

  started(id: string): void {
    if (this.enabled) this.line.draw(`triaging ${this.done}/${this.total}  ${id.slice(0, 8)}`);
  }

  finished({ dump, record }: Outcome): void {
    this.done++;
    if (!this.enabled) return;
    this.line.clear();
    const what =
      record.status === "triaged"
        ? visibleLine(record.title ?? record.kind ?? "")
        : style.red(visibleLine(record.reason ?? record.status));
    writeHuman(
      process.stderr,
      `${style.yellow(visibleLine(dump.id.slice(0, 8)))}  ${visibleLine(record.kind ?? record.status)}  ${what}\n`,
    );
    this.line.draw(`triaging ${this.done}/${this.total}`);
  }

  stop(): void {
    if (this.enabled) this.line.clear();
  }
}
