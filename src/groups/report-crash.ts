import {
  type CrashFacts,
  clip,
  MESSAGE_CHARACTERS,
  normalizeFrame,
  signatureFrames,
} from "../crashlog/crash-signature.js";
import type { Report } from "../report/build-report.js";

/**
 * What a report found of a crash, as `groups` keys it: the error llnode or the core's text named and the
 * JS stack, which beat the container log's (a log keeps only 500 lines, and a process may print nothing).
 * Nothing when the report found neither.
 */
export function crashOfReport(report: Report): CrashFacts | undefined {
  if (!report.error && report.jsStack.length === 0) return undefined;
  const named = (report as { kind?: unknown }).kind;
  const facts: CrashFacts = {
    kind: typeof named === "string" ? named : report.error ? "uncaught-exception" : "abort",
    frames: signatureFrames(report.jsStack).map(normalizeFrame),
  };
  if (report.error) {
    facts.errorType = report.error.type;
    facts.message = clip(report.error.message, MESSAGE_CHARACTERS);
  }
  const library = (report as { fault?: { library?: unknown } }).fault?.library;
  if (typeof library === "string") facts.library = library;
  return facts;
}
