import type { Dump } from "../catalog/dump.js";
import { chooseDebugger, nativeDebugger } from "../debuggers/choose.js";
import { DIALECTS } from "../debuggers/dialects.js";
import { prepareDebugTarget } from "../debuggers/prepare-target.js";
import { type DebugTarget, runBatch } from "../debuggers/session.js";
import { CoreFile } from "../elf/core-file.js";
import { type CoreExtent, coreExtent, readCoreNodeVersion } from "../elf/index.js";
import { ExpectedError } from "../errors.js";
import { heapReads } from "../heap/index.js";
import { scanNativeFrames } from "../native-stack/scan-stack.js";
import { isGoCore } from "../runtimes/go/recognise.js";
import { buildGoReport, type GoSection } from "../runtimes/go/report.js";
import { CoreClues, type RuntimeName } from "../runtimes/index.js";
import { isNodeName } from "../runtimes/node/runtime.js";
import type { Settings } from "../settings.js";
import type { CodeExcerpt } from "../sourcemaps/code-excerpt.js";
import type { DumpFolder } from "../workspace/dump-folder.js";
import type { AbortText } from "./abort-text.js";
import { constructorNamer } from "./constructor-names.js";
import { containerLogs } from "./container-logs.js";
import { coreHeapFigures } from "./core-heap.js";
import type { FaultSection } from "./details/native-fault.js";
import type { HeapSection } from "./details/out-of-memory.js";
import type { Evidence, Sign } from "./evidence.js";
import type { HeapSource } from "./heap-source.js";
import type { JsFrame } from "./js-frame.js";
import { addKindDetails } from "./kind-details.js";
import { type Classification, classify } from "./kinds/classify.js";
import type { Kind } from "./kinds/kind.js";
import { askLlnode, type LlnodeFindings } from "./llnode-findings.js";
import { readLogText } from "./log-text.js";
import { addOriginalPositions, type MappedFields, type SourceMapsSection } from "./original-positions.js";
import { reportHeader } from "./report-header.js";
import { scanCoreText } from "./scan-core.js";
import { placedEveryFrame, samePlace, type WalkedStack, walkedStack } from "./walked-stack.js";

export interface ReportFrame extends MappedFields {
  function: string;
  file?: string;
  line?: number;
  column?: number;
}

/** A triage summary of one dump: what a person reads first, and `report --json` prints. */
export interface Report {
  id: string;
  /** Which runtime's program made the core (src/runtimes/): `node`, `go` or `native`. */
  runtime?: RuntimeName;
  timestamp: string | null;
  namespace: string | null;
  pod: string | null;
  nodeHostname: string | null;
  images: string[];
  /**
   * `verification`: `build-id`, or `image-digest-and-version` for a core that holds no build-id (qemu-user's),
   * or `none` (`--no-verify`); `verificationNote` says it in words where it is not the build-id.
   */
  executable: {
    path: string;
    buildId: string;
    source: string;
    verification: string;
    verificationNote?: string;
  } | null;
  executableReason?: string;
  /** The machine the core was made on (`aarch64`) and its OCI name (`arm64`), from the core's ELF header. */
  machine: { name: string; architecture: string } | null;
  exePath: string | null;
  pid: number | null;
  signal: number | null;
  signalName: string | null;
  nodeVersion: string | null;
  /** What kind of death this was, and the signs it was decided from. */
  kind: Kind;
  kindSigns: Sign[];
  /** `core`: read from the Error object on the heap, where the throwing frames held it (src/v8-error). */
  error: { type: string; message: string; source: "core" | "llnode" | "core text" | "log" } | null;
  /**
   * The JS stack: the frames coredump's stack walker read from the core, else llnode's where it could read
   * the core, else those V8 printed. The walker's and llnode's frames say
   * whether their position is the call site or the function's start, and, where V8 printed a stack, whether
   * that frame's call site is the one V8 printed.
   */
  jsStack: Array<
    ReportFrame & {
      /** `core`: coredump's own stack walker read it from the core's memory (src/v8-stack). */
      source: "core" | "llnode" | "core text" | "log";
      position?: "call site" | "function start";
      /**
       * Where the frame's function starts (its `function` token), as V8 gives a stack trace: the walker's,
       * for naming it through a source map; not in the JSON.
       */
      functionStart?: { line: number; column: number };
      matchesV8Printed?: boolean;
    }
  >;
  /** What V8 printed before aborting, found in the core's bytes: exact call sites. */
  v8Printed: AbortText;
  /**
   * The JS stack Node printed in its own crash report (`----- JavaScript stack trace -----`: fatal errors,
   * `process.abort()`, unhandled rejections on Node 20 and later), found in the core's bytes: exact call sites.
   */
  nodePrinted: JsFrame[];
  /** Unhandled rejection: Node's own JS frames where it aborted, apart from the error's stack. */
  abortedAt?: JsFrame[];
  /** Out of memory: the heap's limit, use, largest constructors and what retains them. */
  heap?: HeapSection;
  /** Native fault: the signal, the address, and the library and function the program counter was in. */
  fault?: FaultSection;
  /** Fatal error: the message Node or V8 printed. */
  fatal?: { message: string; source: "log" | "core text" };
  nativeFrames: string[];
  /**
   * `stack scan` where no debugger ran and the native frames are the executable's functions that the
   * stack holds return addresses into (src/native-stack); absent where a debugger unwound them.
   */
  nativeFramesFrom?: "stack scan";
  debugger: { name: string; plugin?: string; origin?: string; readable: boolean; note?: string } | null;
  /** Each log's last lines; or, with `firstLine` (1-based), the lines from there: where Go printed its cause. */
  logs: Array<{ file: string; lines: string[]; firstLine?: number }>;
  /** The core's size and where its headers say it ends, when it is cut short; else null. */
  coreTruncated: CoreExtent | null;
  /** The lines of code of the first in-app frame, its original source where a map has it. */
  code?: CodeExcerpt;
  /** The source maps used and what kept others from use. */
  sourceMaps?: SourceMapsSection;
  /** A Go program's death: its cause, the goroutine that died, the others summed up (src/runtimes/go/). */
  go?: GoSection;
}

export interface ReportInput {
  dump: Dump;
  folder: DumpFolder;
  executable:
    | { path: string; buildId: string; source: string; verification?: string }
    | { path: null; reason: string };
  /** `--insecure-registry`, for the shared libraries of a native core. */
  insecureRegistries?: string[];
  settings: Settings;
  /** Reads the heap of an out-of-memory core; the core's own memory (src/heap) unless given. */
  heapSource?: HeapSource;
  /** `--source-maps DIR`: a build folder with the service's maps (else `COREDUMP_SOURCE_MAPS`). */
  sourceMaps?: string;
  /** What the source maps' pull from the image is doing (`reading layer 1 of 2 …`). */
  onProgress?: (message: string) => void;
}

const NATIVE_FRAMES = 8;

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
      ? await walkedStack(core, executable.path, nodeVersion, v8Printed.frames)
      : {};
  if (walked.jsStack) report.jsStack = walked.jsStack;
  const thrown = walked.thrown && {
    type: walked.thrown.type,
    message: walked.thrown.message,
    source: "core" as const,
  };
  if (thrown && walked.thrownHeldBy === "js frames" && !report.error) report.error = thrown;
  let target: DebugTarget | undefined;
  if (executable.path === null) report.executableReason = executable.reason;
  else {
    let need = debuggerNeed(classify(evidence), report, nodeVersion);
    let scanned: string[] = [];
    if (need === "native frames" && summary) {
      scanned = await scanNativeFrames(folder.core, summary, executable.path, walked.exitFrame);
      evidence.nativeFrames = scanned;
      need = debuggerNeed(classify(evidence), report, nodeVersion);
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
 * could not.
 */
function debuggerNeed(
  early: Classification,
  report: Report,
  nodeVersion: string | undefined,
): "none" | "native frames" | "llnode" {
  const placed = placedEveryFrame(report.jsStack);
  const textSays = early.signs.some((sign) => sign.source === "core text");
  const framesSay = early.signs.some((sign) => sign.source === "native frames");
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
