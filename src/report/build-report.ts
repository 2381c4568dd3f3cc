import type { Dump } from "../catalog/dump.js";
import { chooseDebugger, nativeDebugger } from "../debuggers/choose.js";
import { DIALECTS } from "../debuggers/dialects.js";
import { prepareDebugTarget } from "../debuggers/prepare-target.js";
import { type DebugTarget, runBatch } from "../debuggers/session.js";
import { CoreFile } from "../elf/core-file.js";
import { coreExtent, readCoreNodeVersion } from "../elf/index.js";
import { ExpectedError } from "../errors.js";
import { heapReads } from "../heap/index.js";
import { scanNativeFrames } from "../native-stack/scan-stack.js";
import { isGoCore } from "../runtimes/go/recognise.js";
import { buildGoReport } from "../runtimes/go/report.js";
import { CoreClues } from "../runtimes/index.js";
import { isNodeName } from "../runtimes/node/runtime.js";
import type { Settings } from "../settings.js";
import type { DumpFolder } from "../workspace/dump-folder.js";
import type { AbortText } from "./abort-text.js";
import { constructorNamer } from "./constructor-names.js";
import { containerLogs } from "./container-logs.js";
import { coreHeapFigures } from "./core-heap.js";
import type { Evidence } from "./evidence.js";
import { addKindDetails } from "./kind-details.js";
import { type Classification, classify } from "./kinds/classify.js";
import { askLlnode, type LlnodeFindings } from "./llnode-findings.js";
import { readLogText } from "./log-text.js";
import { addOriginalPositions } from "./original-positions.js";
import type { Report, ReportInput } from "./report.js";
import { reportHeader } from "./report-header.js";
import { scanCoreText } from "./scan-core.js";
import { placedEveryFrame, samePlace, type WalkedStack, walkedStack } from "./walked-stack.js";

const NATIVE_FRAMES = 8;
/** The function every abort of Node's own goes through (node::Abort, after a failed check too). */
const NODE_ABORT_HANDLER = /^node::(?:\(anonymous namespace\)::)?DefaultAbortHandler\(/;

/** The report of a dump, by the runtime that made the core: Go's room builds its own. */
export async function buildReport(input: ReportInput): Promise<Report> {
  const clues = new CoreClues(input.folder.core, input.executable.path ?? undefined);
  if (await isGoCore(clues)) return buildGoReport(input, clues);
  const report = await buildNodeReport(input);
  return {
    ...report,
    runtime: report.nodeVersion === null && !isNodeName(report.exePath) ? "native" : "node",
  };
}

async function buildNodeReport({
  dump,
  folder,
  executable,
  insecureRegistries = [],
  settings,
  heapSource = coreHeapFigures,
  sourceMaps,
  onProgress,
}: ReportInput): Promise<Report> {
  const core = new CoreFile(folder.core);
  const [coreText, nodeVersion, logs, extent, summary] = await Promise.all([
    // A core whose headers cannot be read is still searched for text, all of it.
    core
      .nonZeroRuns()
      .catch(() => undefined)
      .then((runs) => scanCoreText(folder.core, runs)),
    readCoreNodeVersion(folder.core).catch(() => undefined),
    containerLogs(folder),
    coreExtent(folder.core),
    core.summary().catch(() => undefined),
  ]);
  const v8Printed = coreText.abort;
  const logText = logs.length > 0 ? readLogText(logs.map((log) => log.text).join("\n")) : undefined;
  const report: Report = {
    ...reportHeader(dump, executable, summary),
    nodeVersion: nodeVersion ?? null,
    kind: "unknown",
    kindSigns: [],
    error: v8Printed.errorType
      ? { type: v8Printed.errorType, message: v8Printed.message ?? "", source: "core text" }
      : null,
    jsStack: v8Printed.frames.map((frame) => ({ ...frame, source: "core text" as const })),
    v8Printed,
    nodePrinted: coreText.nodeStack,
    nativeFrames: [],
    debugger: null,
    logs: logs.map(({ file, lines }) => ({ file, lines })),
    coreTruncated: extent && extent.expected > extent.size ? extent : null,
  };
  const evidence: Evidence = {
    signal: dump.signal ?? null,
    nativeFrames: [],
    core: coreText,
    ...(logText ? { log: logText } : {}),
  };
  const walked: WalkedStack =
    executable.path !== null && nodeVersion
      ? await walkedStack(core, executable.path, nodeVersion, {
          v8: v8Printed.frames,
          v8WithErrorLine: v8Printed.errorType !== undefined,
          node: coreText.nodeStack,
        })
      : {};
  if (walked.jsStack) report.jsStack = walked.jsStack;
  // A block of frames that is not what V8 printed for this death is not shown as V8's (printedReference).
  if (walked.checkedAgainst === "node" && v8Printed.errorType === undefined)
    report.v8Printed = { ...v8Printed, frames: [] };
  const thrown = walked.thrown && {
    type: walked.thrown.type,
    message: walked.thrown.message,
    source: "core" as const,
  };
  if (thrown && walked.thrownHeldBy === "js frames" && !report.error) report.error = thrown;
  let target: DebugTarget | undefined;
  if (executable.path === null) report.executableReason = executable.reason;
  else {
    let need = debuggerNeed(classify(evidence), report, nodeVersion, []);
    let scanned: string[] = [];
    if (need === "native frames" && summary) {
      scanned = await scanNativeFrames(folder.core, summary, executable.path, walked.exitFrame);
      evidence.nativeFrames = scanned;
      need = debuggerNeed(classify(evidence), report, nodeVersion, scanned);
    }
    if (need !== "none")
      target = await addDebuggerFindings(
        report,
        { dump, folder, executable, insecureRegistries, settings },
        v8Printed,
        nodeVersion,
        need,
      );
    // The scan's frames stand where no debugger ran, or where the one that ran unwound none.
    if (report.nativeFrames.length === 0 && scanned.length > 0) {
      report.nativeFrames = scanned.slice(0, NATIVE_FRAMES);
      report.nativeFramesFrom = "stack scan";
    }
  }
  if (report.nativeFrames.length > 0) evidence.nativeFrames = report.nativeFrames;
  const { kind, signs } = classify(evidence);
  report.kind = kind;
  report.kindSigns = signs;
  // An Error that only V8's handles held is the thrown one where the process died of it.
  if (thrown && kind === "uncaught-exception" && !report.error) report.error = thrown;
  await addKindDetails(report, evidence, {
    target,
    thrown: walked.thrown,
    heapSource,
    constructorNames: constructorNamer(
      {
        images: dump.metadata?.images ?? [],
        settings,
        insecureRegistries,
        folder: sourceMaps ?? settings.sourceMapsDir,
        ...(onProgress ? { onProgress } : {}),
      },
      async () => report.machine?.architecture,
    ),
    core: folder.core,
    fault: {
      core: folder.core,
      executable: executable.path ?? "",
      images: dump.metadata?.images ?? [],
      folder: folder.dir,
      insecureRegistries,
      settings,
    },
  });
  await addOriginalPositions(report, {
    images: dump.metadata?.images ?? [],
    settings,
    insecureRegistries,
    folder: sourceMaps ?? settings.sourceMapsDir,
    coreUrls: coreText.mapUrls,
    ...(onProgress ? { onProgress } : {}),
  });
  return report;
}

/**
 * What a debugger is still needed for. An uncaught exception and a rejection are read from the core alone
 * where the walker placed every frame, and an out-of-memory heap where the heap reader knows the build. A
 * fatal error too where the core's text holds its message or the stack holds node's `Assert`, and an abort
 * where the stack holds `process.abort()`'s own function (a stack scan, src/native-stack). Elsewhere the
 * native frames of a debugger tell the kind (an `abort()` from an addon, a signal from outside, a native
 * fault): a plain debugger reads them where the walker read the JS frames, and llnode reads both where it
 * could not. Node's own abort handler among the scanned frames says it is Node that aborted (a
 * process.abort() or a failed check): a debugger's frames would tell no more, since compilers tail-call
 * into it (the arm64 build of Node 26 keeps neither node::Abort nor node::Assert on the stack).
 */
function debuggerNeed(
  early: Classification,
  report: Report,
  nodeVersion: string | undefined,
  scanned: readonly string[],
): "none" | "native frames" | "llnode" {
  const placed = placedEveryFrame(report.jsStack);
  const textSays = early.signs.some((sign) => sign.source === "core text");
  const nodeAborted = scanned.some((frame) => NODE_ABORT_HANDLER.test(frame));
  const framesSay = nodeAborted || early.signs.some((sign) => sign.source === "native frames");
  switch (early.kind) {
    case "out-of-memory":
      return heapReads(nodeVersion) ? "none" : "llnode";
    case "uncaught-exception":
    case "unhandled-rejection":
      return placed ? "none" : "llnode";
    case "fatal-error":
      if (placed && (textSays || framesSay)) return "none";
      return placed ? "native frames" : "llnode";
    case "abort":
      // Node prints its stack for a failed check too: only the native frames tell process.abort() apart.
      if (placed && framesSay) return "none";
      return placed ? "native frames" : "llnode";
    default:
      return placed ? "native frames" : "llnode";
  }
}

async function addDebuggerFindings(
  report: Report,
  {
    dump,
    folder,
    executable,
    insecureRegistries,
    settings,
  }: {
    dump: Dump;
    folder: DumpFolder;
    executable: { path: string; buildId: string };
    insecureRegistries: string[];
    settings: Settings;
  },
  v8Printed: AbortText,
  nodeVersion: string | undefined,
  need: "native frames" | "llnode",
): Promise<DebugTarget | undefined> {
  const kind = chooseDebugger(
    undefined,
    executable.path,
    settings,
    nodeVersion,
    need === "native frames" ? nativeDebugger(settings) : undefined,
  );
  let target: DebugTarget;
  try {
    target = await prepareDebugTarget({
      kind,
      executable,
      core: folder.core,
      folder: folder.dir,
      images: dump.metadata?.images ?? [],
      insecureRegistries,
      settings,
    });
  } catch (error) {
    if (!(error instanceof ExpectedError)) throw error;
    report.debugger = { name: kind, readable: false, note: error.message };
    return undefined;
  }
  if (!target.plugin) {
    const backtrace = DIALECTS[kind].backtrace;
    const { output } = backtrace
      ? await runBatch(target, [backtrace.command], settings.limits.reportRunMs)
      : { output: "" };
    report.nativeFrames = (backtrace?.parse(output) ?? [])
      .slice(0, NATIVE_FRAMES)
      .map((frame) => frame.function);
    report.debugger = { name: kind, readable: report.nativeFrames.length > 0 };
    return target;
  }
  // Only a thrown error's type is searched for now: an out-of-memory heap has no error, and a walk of a
  // large heap for one takes minutes.
  const findings = await askLlnode(target, target.plugin, v8Printed.errorType, nodeVersion, settings.limits);
  mergeLlnode(report, findings);
  return target;
}

function mergeLlnode(report: Report, findings: LlnodeFindings): void {
  report.debugger = {
    name: "llnode",
    plugin: findings.plugin.path,
    origin: findings.plugin.origin,
    readable: findings.readable,
    ...(findings.note ? { note: findings.note } : {}),
  };
  report.nativeFrames = findings.frames
    .filter((frame) => frame.native)
    .slice(0, NATIVE_FRAMES)
    .map((frame) => frame.function);
  if (!findings.readable) return;
  const jsFrames = findings.frames.filter((frame) => !frame.native && frame.file !== undefined);
  // The walker's frames are read from V8's own records of the stack, and lead wherever it placed every
  // frame; it does not yet place optimized frames (their inlined functions), which llnode does.
  if (jsFrames.length > 0 && !placedEveryFrame(report.jsStack)) {
    const printed = report.v8Printed.frames;
    report.jsStack = jsFrames.map(({ function: name, file, line, column, position }, index) => ({
      function: name,
      ...(file !== undefined ? { file } : {}),
      ...(line !== undefined ? { line } : {}),
      ...(column !== undefined ? { column } : {}),
      ...(position ? { position } : {}),
      ...(printed.length > 0
        ? { matchesV8Printed: samePlace(printed[index], { function: name, file, line, column }) }
        : {}),
      source: "llnode" as const,
    }));
  }
  if (findings.error) report.error = { ...findings.error, source: "llnode" };
}
