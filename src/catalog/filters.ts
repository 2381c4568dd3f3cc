import ms from "ms";
import { UsageError } from "../errors.js";
import { signalNumber } from "../util/signals.js";
import type { Dump } from "./dump.js";
import { possibleHostsAndExes } from "./key-name.js";

export interface DumpFilter {
  namespace?: string;
  pod?: string;
  exe?: string;
  signal?: number;
  since?: Date;
  until?: Date;
}

export interface FilterFlags {
  namespace?: string;
  pod?: string;
  exe?: string;
  signal?: string;
  since?: string;
  until?: string;
}

/** Turns the flags' words into a filter, or says which word is wrong. */
export function parseFilter(flags: FilterFlags, now = new Date()): DumpFilter {
  const filter: DumpFilter = {};
  if (flags.namespace !== undefined) filter.namespace = flags.namespace;
  if (flags.pod !== undefined) filter.pod = flags.pod;
  if (flags.exe !== undefined) filter.exe = flags.exe;
  if (flags.signal !== undefined) filter.signal = parseSignal(flags.signal);
  if (flags.since !== undefined) filter.since = parseTime(flags.since, now, "--since");
  if (flags.until !== undefined) filter.until = parseTime(flags.until, now, "--until");
  return filter;
}

export function matches(dump: Dump, filter: DumpFilter): boolean {
  if (filter.namespace !== undefined && !glob(filter.namespace, dump.namespace ?? "unknown")) return false;
  if (!podAndExeMatch(dump, filter)) return false;
  if (filter.signal !== undefined && dump.signal !== filter.signal) return false;
  const time = dump.time;
  if (filter.since && (time === undefined || time < filter.since.getTime())) return false;
  if (filter.until && (time === undefined || time > filter.until.getTime())) return false;
  return true;
}

function podAndExeMatch(dump: Dump, { pod, exe }: DumpFilter): boolean {
  if (pod === undefined && exe === undefined) return true;
  const fits = (hostname: string, exeName: string) =>
    (pod === undefined || glob(pod, hostname)) && (exe === undefined || glob(exe, exeName));
  if (fits(dump.pod ?? dump.hostname ?? "", dump.exe ?? "")) return true;
  // Known by its name alone, whose hostname and executable may both hold hyphens: any split may be the
  // right one, which its JSON, read next, decides.
  return (
    dump.metadata === undefined &&
    possibleHostsAndExes(dump.stem).some((split) => fits(split.hostname, split.exe))
  );
}

/** `SIGSEGV`, `segv` or `11`. */
export function parseSignal(word: string): number {
  if (/^\d+$/.test(word)) return Number(word);
  const number = signalNumber(word);
  if (number === undefined)
    throw new UsageError(`--signal ${word}: not a signal name or number (try SIGSEGV or 11)`);
  return number;
}

/** A duration back from now (`2h`, `7d`, `30m`) or a date (`2026-11-01`, `2026-11-01T12:00Z`). */
export function parseTime(word: string, now: Date, flag: string): Date {
  const duration = /^\d+(\.\d+)?\s*[a-z]+$/i.test(word) ? ms(word as ms.StringValue) : undefined;
  if (typeof duration === "number" && Number.isFinite(duration)) return new Date(now.getTime() - duration);
  const date = new Date(word);
  if (Number.isNaN(date.getTime())) {
    throw new UsageError(`${flag} ${word}: not a duration or a date (try 2h, 7d or 2026-11-01)`);
  }
  return date;
}

/** Exact match, or a shell-style pattern with `*` and `?`. */
function glob(pattern: string, value: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === value;
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replaceAll("*", ".*")
    .replaceAll("?", ".");
  return new RegExp(`^${source}$`).test(value);
}
