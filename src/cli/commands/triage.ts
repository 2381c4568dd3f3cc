import { type FilterFlags, parseFilter } from "../../catalog/filters.js";
import { NoMatchError } from "../../catalog/resolve.js";
import { UsageError } from "../../errors.js";
import { buildReport } from "../../report/build-report.js";
import type { Settings } from "../../settings.js";
import { memoryLimit } from "../../triage/memory.js";
import { readRecords } from "../../triage/records.js";
import { type Outcome, planTriage, runTriage } from "../../triage/run-triage.js";
import { parseShard, shardFromEnv } from "../../triage/shard.js";
import { formatSize } from "../../ui/format.js";
import { StatusLine } from "../../ui/progress.js";
import { jsonLine, style, visibleLine, writeHuman } from "../../ui/untrusted-text.js";
import { workdirFrom } from "../../workspace/dump-folder.js";
import { openCatalog } from "../open-catalog.js";
import { type FetchFlags, prepareChosenDump } from "../prepare-dump.js";
import { openRecordPlace, type ResultsFlags } from "../record-place.js";
import { selectDumps } from "../select-dumps.js";
import { parseSize } from "./clean.js";

export interface TriageFlags extends FetchFlags, FilterFlags, ResultsFlags {
  shard?: string;
  jobs?: string;
  memory?: string;
  retryFailed?: boolean;
  json?: boolean;
}

/**
 * Triages every dump of this worker's shard that has no current record: one report each, its record
 * written in one PUT, its core removed before the next. Progress on a terminal, a summary at the end;
 * with --json, one JSON line per dump triaged.
 */
export async function triage(flags: TriageFlags, settings: Settings): Promise<void> {
  const filter = parseFilter(flags);
  const shard = flags.shard !== undefined ? parseShard(flags.shard) : shardFromEnv(settings.env);
  const jobs = parseJobs(flags.jobs);
  const memory = await memoryLimit(
    flags.memory === undefined ? undefined : parseSize(flags.memory, "--memory"),
  );
  const catalog = await openCatalog(flags, settings);
  const place = await openRecordPlace(flags, settings, catalog.store);
  const dumps = await selectDumps(catalog, filter);
  if (dumps.length === 0) throw new NoMatchError(`no dump matches in ${catalog.store.description}`);
  const records = await readRecords(place, { cacheDir: settings.cacheDir, listed: catalog.recordObjects });
  const plan = planTriage({ dumps, records, shard, retryFailed: flags.retryFailed === true, memory });
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
  if (flags.quiet !== true || !flags.json)
    writeHuman(
      process.stderr,
      `coredump: triage${shard ? ` shard ${shard.index}/${shard.count}` : ""}: ${dumps.length} dumps, ${plan.done} already triaged, ${counts.triaged} triaged, ${counts.untriageable} untriageable, ${counts.skipped} skipped for memory${plan.elsewhere ? `, ${plan.elsewhere} in other shards` : ""}${plan.coreless ? `, ${plan.coreless} without a core` : ""} (records in ${place.store.description}; ${jobs} at once within ${formatSize(memory.bytes)} from ${memory.source})\n`,
    );
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
