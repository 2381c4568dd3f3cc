import { prepareDebugTarget } from "../../debuggers/prepare-target.js";
import { runBatch } from "../../debuggers/session.js";
import { coreExtent } from "../../elf/index.js";
import { ExpectedError } from "../../errors.js";
import { containerLogs } from "../../report/container-logs.js";
import type { Sign } from "../../report/evidence.js";
import type { Report, ReportInput } from "../../report/report.js";
import { reportHeader } from "../../report/report-header.js";
import type { CoreClues } from "../core-clues.js";
import { cgoFaultPlace } from "./cgo-fault.js";
import {
  causeFrameNumber,
  causeMessage,
  fromTheCrash,
  parseDlvBacktrace,
  parseDlvGoroutines,
} from "./dlv-output.js";
import type { GoSection } from "./go-section.js";
import {
  type GoCrashKind,
  type GoFrame,
  type Goroutine,
  type GoTraceback,
  goroutinesByState,
  identicalStacks,
  readGoTraceback,
} from "./traceback.js";

const SIGABRT = 6;
const FAULTS = new Set([4, 7, 8, 11]);
/** The log's lines a report shows, from the cause. */
const LOG_LINES = 20;

/**
 * The report of a Go program's core: the cause and the dying goroutine from the log (Go prints them first),
 * and the core read by Delve (`goroutines`, `bt` of the crashed one) where the log is missing or cut.
 */
export async function buildGoReport(input: ReportInput, clues: CoreClues): Promise<Report> {
  const { dump, folder, executable } = input;
  const [logs, extent, summary] = await Promise.all([
    containerLogs(folder),
    coreExtent(folder.core),
    clues.summary(),
  ]);
  const read = logs.map((log) => ({ log, traceback: readGoTraceback(log.text) }));
  const traceback = read.find((entry) => entry.traceback !== undefined)?.traceback;
  const report: Report = {
    ...reportHeader(dump, executable, summary),
    runtime: "go",
    nodeVersion: null,
    kind: "unknown",
    kindSigns: [],
    error: null,
    jsStack: [],
    v8Printed: { frames: [] },
    nodePrinted: [],
    nativeFrames: [],
    debugger: null,
    logs: read.map(({ log, traceback: told }) =>
      told ? linesFromCause(log.text, log.file, told) : { file: log.file, lines: log.lines },
    ),
    coreTruncated: extent && extent.expected > extent.size ? extent : null,
  };
  if (executable.path === null) report.executableReason = executable.reason;
  const delve =
    executable.path === null ? undefined : await readWithDelve(report, input, executable.path, !traceback);
  report.go = goSection(traceback, delve);
  const decided = decideKind(traceback, delve?.crashed ?? [], dump.signal ?? null);
  report.kind = decided.kind;
  report.kindSigns = decided.signs;
  if (decided.kind === "native-fault" && traceback?.signal && executable.path !== null) {
    const fault = await cgoFaultPlace(
      traceback.signal,
      executable.path,
      summary?.executable?.start,
      input.settings.path,
    );
    if (fault) report.go.cgoFault = fault;
  }
  return report;
}

interface DelveFindings {
  /** The crashed goroutine's frames from its panic or throw down. */
  crashed: GoFrame[];
  /** The panic's value or the throw's text, read from the core where no log told it. */
  message?: string;
  current?: number;
  goroutines: Goroutine[];
}

/** `goroutines` and `bt` in Delve's batch mode; what it could not do goes into `report.debugger`. */
async function readWithDelve(
  report: Report,
  { dump, folder, executable, insecureRegistries = [], settings }: ReportInput,
  path: string,
  wantMessage: boolean,
): Promise<DelveFindings | undefined> {
  let output: string;
  let message: string | undefined;
  try {
    const target = await prepareDebugTarget({
      kind: "dlv",
      executable: { path, buildId: executable.path === null ? "" : executable.buildId },
      core: folder.core,
      folder: folder.dir,
      images: dump.metadata?.images ?? [],
      insecureRegistries,
      settings,
    });
    ({ output } = await runBatch(target, ["goroutines", "bt"], settings.limits.reportRunMs));
    const frame = wantMessage ? causeFrameNumber(output) : undefined;
    if (frame !== undefined)
      message = causeMessage(
        (await runBatch(target, [`frame ${frame} args`], settings.limits.reportRunMs)).output,
      );
  } catch (error) {
    if (!(error instanceof ExpectedError)) throw error;
    report.debugger = { name: "dlv", readable: false, note: error.message };
    return undefined;
  }
  const { goroutines, current } = parseDlvGoroutines(output);
  const crashed = fromTheCrash(parseDlvBacktrace(output));
  report.debugger = { name: "dlv", readable: crashed.length > 0 || goroutines.length > 0 };
  return {
    crashed,
    goroutines,
    ...(current === undefined ? {} : { current }),
    ...(message === undefined ? {} : { message }),
  };
}

/** A log's lines from Go's cause on: its tail shows other goroutines, its cause is at the top. */
function linesFromCause(text: string, file: string, traceback: GoTraceback): Report["logs"][number] {
  const lines = text.split("\n", traceback.line + LOG_LINES).slice(traceback.line);
  return { file, lines, firstLine: traceback.line + 1 };
}

function goSection(traceback: GoTraceback | undefined, delve: DelveFindings | undefined): GoSection {
  const section: GoSection = {
    message: traceback?.message ?? delve?.message ?? null,
    crashed: null,
    goroutines: null,
  };
  if (traceback?.signal) section.signal = traceback.signal;
  const fromLog = traceback?.crashed;
  if (fromLog)
    section.crashed = {
      id: fromLog.id,
      state: fromLog.state,
      frames: fromLog.frames,
      ...(fromLog.createdBy ? { createdBy: fromLog.createdBy } : {}),
      source: "log",
    };
  else if (delve && delve.crashed.length > 0)
    section.crashed = { id: delve.current ?? null, frames: delve.crashed, source: "dlv" };
  const all = traceback && traceback.goroutines.length > 0 ? traceback.goroutines : delve?.goroutines;
  if (all && all.length > 0)
    section.goroutines = {
      total: all.length,
      byState: goroutinesByState(all),
      identical: identicalStacks(all),
      source: all === traceback?.goroutines ? "log" : "dlv",
    };
  return section;
}

/** The log's cause when Go printed one; else the crashed goroutine's frames in the core; else the signal. */
function decideKind(
  traceback: GoTraceback | undefined,
  frames: readonly GoFrame[],
  signal: number | null,
): { kind: GoCrashKind | "unknown"; signs: Sign[] } {
  if (traceback) {
    const says = `${traceback.kind === "panic" ? "panic" : "Go printed"}: ${traceback.message}`;
    return { kind: traceback.kind, signs: [{ source: "log", says }] };
  }
  const named = (name: string) => frames.some((frame) => frame.function === name);
  const inCore = (kind: GoCrashKind, frame: string) => ({
    kind,
    signs: [{ source: "native frames" as const, says: `${frame} in the crashed goroutine (Delve)` }],
  });
  if (named("runtime.cgocall") && signal !== null && FAULTS.has(signal))
    return inCore("native-fault", "runtime.cgocall");
  if (named("runtime.gopanic")) return inCore("panic", "runtime.gopanic");
  for (const thrower of ["runtime.throw", "runtime.fatal"])
    if (named(thrower)) return inCore("fatal-error", thrower);
  if (signal === SIGABRT) return { kind: "abort", signs: [{ source: "signal", says: "SIGABRT" }] };
  if (signal !== null && FAULTS.has(signal))
    return { kind: "native-fault", signs: [{ source: "signal", says: `signal ${signal}` }] };
  return { kind: "unknown", signs: [] };
}
