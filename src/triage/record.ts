import { type CrashFacts, crashSignature } from "../crashlog/crash-signature.js";
import { crashOfReport } from "../groups/report-crash.js";
import type { Report } from "../report/report.js";
import type { FrameValuesFields } from "../report/walked-stack.js";
import { TRIAGE_VERSION } from "./version.js";

/** Frames of the JS stack a record keeps: the crash site and its callers, as `report --json` lists them. */
const FRAMES = 5;

/**
 * `triaged`: a report was made with the verified executable. `untriageable`: it could not be (a truncated
 * core, no executable anywhere, not a core), and `reason` says why. `skipped`: the core needs more memory
 * than the worker may use, `needsBytes` says how much.
 */
export type TriageStatus = "triaged" | "untriageable" | "skipped";

/** What triage leaves of one dump in the bucket: small, written in one PUT, read by `list`, `info`, `groups`. */
export interface TriageRecord {
  format: "coredump-triage";
  version: number;
  id: string;
  /** The object that holds the dump's core (the zip, or the core), and its ETag when triaged. */
  key: string;
  etag: string;
  status: TriageStatus;
  reason?: string;
  needsBytes?: number;
  kind: string | null;
  /** Which runtime's program made the core (`node`, `go`, `native`), where a report was made. */
  runtime?: Report["runtime"];
  /** The crash line: what `groups` titles the dump's group with. */
  title: string | null;
  /** The crash's signature, as `groups` computes it. */
  signature: string | null;
  crash?: CrashFacts;
  signalName: string | null;
  nodeVersion: string | null;
  error: Report["error"];
  jsStack: Report["jsStack"];
  heap?: Pick<NonNullable<Report["heap"]>, "top" | "limitBytes" | "usedBytes">;
  fault?: Report["fault"];
  fatal?: Report["fatal"];
  executable: { source: string; verification: string } | null;
  truncated: boolean;
  triagedAt: string;
}

export interface RecordSubject {
  id: string;
  key: string;
  etag: string;
  signalName?: string | undefined;
  exe?: string | undefined;
}

/** The record of a report: its kind, error, first frames and the kind's own section, compacted. */
export function recordOfReport(subject: RecordSubject, report: Report, at = new Date()): TriageRecord {
  const crash = crashOfReport(report) ?? deathOfReport(report);
  const signature = crashSignature(crash, death(subject));
  const untriageable = report.executable === null || report.coreTruncated !== null;
  const record: TriageRecord = {
    ...head(subject, untriageable ? "untriageable" : "triaged"),
    ...(untriageable ? { reason: reasonOf(report) } : {}),
    kind: report.kind,
    runtime: report.runtime,
    title: signature.title,
    signature: signature.signature,
    crash,
    signalName: report.signalName,
    nodeVersion: report.nodeVersion,
    error: report.error,
    jsStack: report.jsStack.slice(0, FRAMES).map(withoutValues),
    ...(report.heap ? { heap: compactHeap(report.heap) } : {}),
    ...(report.fault ? { fault: report.fault } : {}),
    ...(report.fatal ? { fatal: report.fatal } : {}),
    executable: report.executable
      ? { source: report.executable.source, verification: report.executable.verification }
      : null,
    truncated: report.coreTruncated !== null,
    triagedAt: at.toISOString(),
  };
  return record;
}

/** The record of a dump no report could be made of: why, and nothing else. */
export function failureRecord(
  subject: RecordSubject,
  status: Exclude<TriageStatus, "triaged">,
  reason: string,
  needsBytes?: number,
  at = new Date(),
): TriageRecord {
  return {
    ...head(subject, status),
    reason,
    ...(needsBytes === undefined ? {} : { needsBytes }),
    kind: null,
    title: null,
    signature: null,
    signalName: subject.signalName ?? null,
    nodeVersion: null,
    error: null,
    jsStack: [],
    executable: null,
    truncated: false,
    triagedAt: at.toISOString(),
  };
}

function head(subject: RecordSubject, status: TriageStatus) {
  return {
    format: "coredump-triage" as const,
    version: TRIAGE_VERSION,
    id: subject.id,
    key: subject.key,
    etag: subject.etag,
    status,
  };
}

function death(subject: RecordSubject) {
  return {
    ...(subject.signalName ? { signalName: subject.signalName } : {}),
    ...(subject.exe ? { exe: subject.exe } : {}),
  };
}

/** A kind decided from the core with no error or stack (an out-of-memory, a native fault): its kind and library. */
function deathOfReport(report: Report): CrashFacts {
  // The largest constructor of the app's own (V8's internal types are in parentheses): one leak, one group.
  const leaked = report.heap?.top.find((type) => !type.name.startsWith("("))?.name;
  return {
    kind: report.kind,
    frames: [],
    ...(leaked ? { message: `most of the heap is ${leaked}` } : {}),
    ...(report.fault?.library ? { library: report.fault.library } : {}),
  };
}

function reasonOf(report: Report): string {
  if (report.coreTruncated)
    return `the core is truncated: ${report.coreTruncated.size} of ${report.coreTruncated.expected} bytes`;
  return `no executable: ${report.executableReason ?? "not found"}`;
}

function compactHeap(heap: NonNullable<Report["heap"]>): NonNullable<TriageRecord["heap"]> {
  return {
    top: heap.top,
    ...(heap.limitBytes === undefined ? {} : { limitBytes: heap.limitBytes }),
    ...(heap.usedBytes === undefined ? {} : { usedBytes: heap.usedBytes }),
  };
}

/**
 * A frame without what it was called with: the receiver and arguments are the program's data (a token, a
 * customer's name), kept in the report a person asks for and out of the records a whole team's `list` reads.
 */
function withoutValues(frame: Report["jsStack"][number]): Report["jsStack"][number] {
  const {
    receiver: _receiver,
    arguments: _arguments,
    argumentCount: _count,
    ...kept
  } = frame as FrameWithValues;
  return kept;
}

type FrameWithValues = Report["jsStack"][number] & FrameValuesFields;
