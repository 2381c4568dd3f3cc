import {
  type CrashFacts,
  clip,
  crashFacts,
  MESSAGE_CHARACTERS,
  normalizeFrame,
  signatureFrames,
} from "../crashlog/crash-signature.js";
import type { Report } from "../report/report.js";
import type { GoSection } from "../runtimes/go/go-section.js";
import { type GoCrashKind, goCrash } from "../runtimes/go/traceback.js";

/** A Go death as the log reader keys it (crashFromLog reads Go's traceback): one crash, one signature. */
function goCrashOfReport(report: Report, go: GoSection): CrashFacts | undefined {
  if (report.kind === "unknown" || (go.message === null && !go.crashed)) return undefined;
  return crashFacts(goCrash(report.kind as GoCrashKind, go.message ?? "", go.crashed?.frames ?? []));
}

/**
 * The report's JS stack named as V8 or Node printed it, where a printed frame is at the same place: llnode
 * names `(anonymous)` the arrow function V8 prints as `Timeout._onTimeout`, and a container log (which
 * `groups` reads for a dump not reported) has V8's names. One crash then has one signature either way.
 */
function printedNames(report: Report): Report["jsStack"] {
  const names = new Map<string, string>();
  const place = (frame: { file?: string; line?: number; column?: number }) =>
    `${frame.file}:${frame.line}:${frame.column}`;
  for (const frame of [...report.v8Printed.frames, ...report.nodePrinted])
    if (frame.function !== "" && !names.has(place(frame))) names.set(place(frame), frame.function);
  return report.jsStack.map((frame) => {
    const printed = frame.file === undefined ? undefined : names.get(place(frame));
    return printed === undefined ? frame : { ...frame, function: printed };
  });
}

/**
 * Frames a source map maps, as written: two builds of one service, minified differently or compiled by
 * another tool, then have one signature (`displayName (src/users.ts)`, not `t (bundle/server.mjs)`).
 */
function asWritten(frames: Report["jsStack"]): Report["jsStack"] {
  return frames.map((frame) =>
    frame.original ? { ...frame, function: frame.original.function, file: frame.original.file } : frame,
  );
}

/**
 * What a report found of a crash, as `groups` keys it: the error llnode or the core's text named and the
 * JS stack, which beat the container log's (a log keeps only 500 lines, and a process may print nothing).
 * Nothing when the report found neither.
 */
export function crashOfReport(report: Report): CrashFacts | undefined {
  if (report.go) return goCrashOfReport(report, report.go);
  if (!report.error && report.jsStack.length === 0) return undefined;
  const named = (report as { kind?: unknown }).kind;
  const facts: CrashFacts = {
    kind: typeof named === "string" ? named : report.error ? "uncaught-exception" : "abort",
    frames: signatureFrames(asWritten(printedNames(report))).map(normalizeFrame),
  };
  if (report.error) {
    facts.errorType = report.error.type;
    facts.message = clip(report.error.message, MESSAGE_CHARACTERS);
  }
  const library = (report as { fault?: { library?: unknown } }).fault?.library;
  if (typeof library === "string") facts.library = library;
  return facts;
}
