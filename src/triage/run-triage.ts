import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import type { Dump } from "../catalog/dump.js";
import { storedObjectOf } from "../catalog/group.js";
import { ExpectedError, InterruptedError, UsageError } from "../errors.js";
import { folderIdOf } from "../fetch/fetch-dump.js";
import type { Report } from "../report/report.js";
import { StoreError } from "../store/store.js";
import { formatSize } from "../ui/format.js";
import { DumpFolder } from "../workspace/dump-folder.js";
import { type DueOptions, type DueReason, dueReason } from "./due.js";
import { MemoryBudget, type MemoryLimit, memoryNeed } from "./memory.js";
import { failureRecord, type RecordSubject, recordOfReport, type TriageRecord } from "./record.js";
import { probeKey, type RecordPlace, recordKey } from "./record-place.js";
import type { Records } from "./records.js";
import { inShard, type Shard } from "./shard.js";

export interface TriagePlan {
  dumps: readonly Dump[];
  records: Records;
  shard?: Shard | undefined;
  retryFailed: boolean;
  memory: MemoryLimit;
}

/** One dump to triage on this run, and why. */
export interface DueDump {
  dump: Dump;
  reason: DueReason;
}

export interface Plan {
  due: DueDump[];
  /** Dumps of this shard whose record stands. */
  done: number;
  /** Dumps of other shards. */
  elsewhere: number;
  /** Dumps with no core to triage (no core object). */
  coreless: number;
}

/** Which of the dumps this worker triages now: those of its shard whose record is missing or stale. */
export function planTriage({ dumps, records, shard, retryFailed, memory }: TriagePlan): Plan {
  const options: DueOptions = { retryFailed, memoryBytes: memory.bytes };
  const plan: Plan = { due: [], done: 0, elsewhere: 0, coreless: 0 };
  for (const dump of dumps) {
    if (!inShard(dump.id, shard)) {
      plan.elsewhere++;
      continue;
    }
    const stored = storedObjectOf(dump.objects);
    if (!stored) {
      plan.coreless++;
      continue;
    }
    const reason = dueReason(stored.etag, records.of(dump.objects)?.view, options);
    if (reason) plan.due.push({ dump, reason });
    else plan.done++;
  }
  return plan;
}

/** What a prepared dump gives triage: its folder on disk and the report of it. */
export type Analyse = (dump: Dump) => Promise<Report>;

export interface TriageWork {
  place: RecordPlace;
  due: readonly DueDump[];
  jobs: number;
  memory: MemoryLimit;
  /** The working folder dumps are fetched into: each dump's core is removed from it once triaged. */
  workdir: string;
  analyse: Analyse;
  onStart?: (dump: Dump) => void;
  onRecord?: (outcome: Outcome) => void;
}

export interface Outcome {
  dump: Dump;
  reason: DueReason;
  key: string;
  record: TriageRecord;
  /** From taking the dump up (its memory admitted) to its record written. */
  seconds: number;
}

/**
 * Triages each due dump, at most `jobs` at once and never more than the memory allows: fetch, report,
 * one PUT of its record, then its core removed from disk. Before any core is fetched, one small PUT says
 * whether the records' place may be written at all.
 */
export async function runTriage(work: TriageWork): Promise<void> {
  if (work.due.length === 0) return;
  await probeWrite(work.place);
  const budget = new MemoryBudget(work.memory.bytes);
  let next = 0;
  const worker = async () => {
    while (next < work.due.length) {
      const item = work.due[next++] as DueDump;
      const need = memoryNeed(item.dump);
      let started = performance.now();
      const record = budget.fits(need)
        ? await withBudget(budget, need, () => {
            started = performance.now();
            return triageOne(work, item.dump);
          })
        : failureRecord(
            subjectOf(item.dump),
            "skipped",
            `needs about ${formatSize(need)} of memory, more than the ${formatSize(work.memory.bytes)} this worker may use (${work.memory.source}): triage it where --memory or the limit allows`,
            need,
          );
      const key = recordKey(work.place, item.dump.objects);
      await writeRecord(work.place, key, record);
      const seconds = (performance.now() - started) / 1000;
      work.onRecord?.({ dump: item.dump, reason: item.reason, key, record, seconds });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(work.jobs, work.due.length)) }, worker));
}

async function withBudget<T>(budget: MemoryBudget, need: number, task: () => Promise<T>): Promise<T> {
  const release = await budget.take(need);
  try {
    return await task();
  } finally {
    release();
  }
}

/** A report of the dump as its record; a failure that is the dump's own (not the store's) as its reason. */
async function triageOne(work: TriageWork, dump: Dump): Promise<TriageRecord> {
  const folder = new DumpFolder(work.workdir, folderIdOf(dump));
  const existed = existsSync(folder.dir);
  work.onStart?.(dump);
  try {
    return recordOfReport(subjectOf(dump), await work.analyse(dump));
  } catch (error) {
    if (!isTheDumps(error)) throw error;
    return failureRecord(subjectOf(dump), "untriageable", (error as Error).message);
  } finally {
    // The core goes before the next dump; a folder someone fetched before keeps all but its core.
    await rm(existed ? folder.core : folder.dir, { recursive: true, force: true });
  }
}

/** A failure of this dump alone: not an interruption, a bad flag, or a store that refuses every request. */
function isTheDumps(error: unknown): boolean {
  if (!(error instanceof ExpectedError)) return false;
  if (error instanceof InterruptedError || error instanceof UsageError) return false;
  if (error instanceof StoreError) return error.kind === "not-found" || error.kind === "other";
  return true;
}

function subjectOf(dump: Dump): RecordSubject {
  const stored = storedObjectOf(dump.objects);
  return {
    id: dump.id,
    key: stored?.key ?? "",
    etag: stored?.etag ?? "",
    signalName: dump.signalName,
    exe: dump.exe,
  };
}

/** One PUT: a reader sees the whole record or none; two workers on one dump write the same one. */
async function writeRecord(place: RecordPlace, key: string, record: TriageRecord): Promise<void> {
  await place.store.put(key, Buffer.from(`${JSON.stringify(record)}\n`)).catch((error: unknown) => {
    throw cannotWrite(place, error);
  });
}

async function probeWrite(place: RecordPlace): Promise<void> {
  await place.store
    .put(probeKey(place), Buffer.from("coredump triage writes its records beside this file\n"))
    .catch((error: unknown) => {
      throw cannotWrite(place, error);
    });
}

function cannotWrite(place: RecordPlace, error: unknown): unknown {
  if (!(error instanceof StoreError) || (error.kind !== "denied" && error.kind !== "bad-credentials"))
    return error;
  const elsewhere = place.beside
    ? "give --results s3://BUCKET/PREFIX where they may write, or credentials that may write here"
    : "give --results a place these credentials may write";
  return new StoreError(
    "denied",
    `cannot write triage records to ${place.store.description}: these credentials may not write there (${error.kind}); ${elsewhere}`,
    { cause: error },
  );
}
