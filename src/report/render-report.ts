import { truncationNote } from "../elf/index.js";
import { goLines } from "../runtimes/go/render.js";
import type { CodeExcerpt } from "../sourcemaps/code-excerpt.js";
import { formatAge, formatTime } from "../ui/format.js";
import { renderTable } from "../ui/table.js";
import { style, visibleText } from "../ui/untrusted-text.js";
import { fatalLine, faultLine, heapLines, kindLine } from "./render-kind.js";
import type { Report, ReportFrame } from "./report.js";
import type { FrameValuesFields } from "./walked-stack.js";

const STACK_FRAMES = 12;
/** A frame's receiver and arguments are clipped to this many characters in the human report (all are in --json). */
const VALUES_CHARS = 120;

/** `build-id 0123456789ab…`, or the weaker proof in words: never a build-id the core did not hold. */
function executableProof(executable: NonNullable<Report["executable"]>): string {
  const buildId = `${executable.buildId.slice(0, 12)}…`;
  if (executable.verification === "build-id") return `build-id ${buildId}`;
  if (executable.verification === "go-build-id") return "Go build ID (the core holds no GNU build-id)";
  return `${executable.verificationNote ?? executable.verification}; the file's build-id ${buildId}`;
}

/** `killed by SIGSEGV (11)`; signal 0 is what `coredump capture` writes: a live process, no death. */
function howItEnded(report: Report): string {
  if (report.signal === 0) return "captured live (no signal)";
  return `killed by ${report.signalName ?? "?"}${report.signal === null ? "" : ` (${report.signal})`}`;
}

/** The report as a person reads it: identity, the error, the stacks, the log's tail; controls escaped. */
export function renderReport(report: Report): string {
  const time = report.timestamp ? new Date(report.timestamp) : undefined;
  const sections: string[] = [];
  sections.push(
    [
      style.bold(`Dump ${report.id}`),
      kindLine(report),
      `  ${report.signal === 0 ? "captured " : "crashed  "}  ${time ? `${formatTime(time)} (${formatAge(time)})` : "-"}`,
      `  pod        ${report.namespace ?? "-"}/${report.pod ?? "-"}${report.nodeHostname ? ` on node ${report.nodeHostname}` : ""}`,
      ...report.images.map((image, index) => `  ${index === 0 ? "image     " : "          "} ${image}`),
      `  process    ${report.exePath ?? "?"}${report.pid === null ? "" : ` (pid ${report.pid})`}, ${howItEnded(report)}`,
      report.runtime === "go"
        ? "  runtime    go"
        : `  node       ${report.nodeVersion ? `v${report.nodeVersion}` : "-"}`,
      ...(report.coreTruncated ? [`  core       ${style.red(truncationNote(report.coreTruncated))}`] : []),
      ...(report.machine
        ? [
            `  machine    ${report.machine.name}${report.machine.architecture === report.machine.name ? "" : ` (${report.machine.architecture})`}`,
          ]
        : []),
      `  executable ${report.executable ? `${report.executable.path} (${report.executable.source}, ${executableProof(report.executable)})` : `none: ${report.executableReason ?? "?"}`}`,
    ].join("\n"),
  );
  if (report.go) sections.push(...goLines(report.go, report.kind));
  if (report.fatal) sections.push(fatalLine(report.fatal));
  if (report.fault) sections.push(faultLine(report.fault));
  // As Node prints an uncaught error: the line of code, then the error.
  if (report.code) sections.push(codeLines(report.code));
  if (report.error) {
    sections.push(
      `${style.bold.red(`${report.error.type}: ${report.error.message}`)}  ${style.dim(`(from ${report.error.source})`)}`,
    );
  }
  const reader = readerOf(report);
  const agreeing = report.jsStack.filter((frame) => frame.matchesV8Printed).length;
  const allAgree =
    reader !== undefined && report.v8Printed.frames.length > 0 && agreeing === report.jsStack.length;
  if (report.v8Printed.frames.length > 0 && reader !== undefined && !allAgree) {
    // A frame that may be wrong is never shown first: what V8 itself printed leads.
    sections.push(
      frames("JavaScript stack (as V8 printed it before aborting, call sites)", report.v8Printed.frames),
    );
    sections.push(
      frames(
        `${reader === "llnode" ? "llnode's stack" : "Stack read from the core"} (${agreeing} of ${report.jsStack.length} frames as V8 printed them; where they differ, V8's above is right)`,
        withPrintedPositions(report),
      ),
    );
  } else if (report.jsStack.length > 0) {
    sections.push(frames(`JavaScript stack (${stackSource(report, allAgree)})`, report.jsStack));
  }
  if (report.nodePrinted.length > 0 && report.kind !== "unhandled-rejection") {
    sections.push(frames("Stack Node printed before aborting (call sites)", report.nodePrinted));
  }
  if (report.abortedAt && report.abortedAt.length > 0) {
    sections.push(frames("Where it aborted (Node's own frames)", report.abortedAt));
  }
  if (report.heap) sections.push(heapLines(report.heap));
  if (report.sourceMaps) sections.push(sourceMapLines(report.sourceMaps));
  if (report.nativeFrames.length > 0) {
    sections.push(
      [
        style.bold(
          report.nativeFramesFrom === "stack scan"
            ? "Native frames (the executable's functions found on the stack: no debugger ran)"
            : "Native frames",
        ),
        ...report.nativeFrames.map((frame) => `  ${frame}`),
      ].join("\n"),
    );
  }
  for (const log of report.logs) {
    sections.push(
      [
        style.bold(
          `Container log ${log.file} (${log.firstLine === undefined ? `last ${log.lines.length} lines` : `lines ${log.firstLine} to ${log.firstLine + log.lines.length - 1}`})`,
        ),
        ...log.lines.map((line) => `  ${line}`),
      ].join("\n"),
    );
  }
  if (report.debugger) {
    const { name, origin, plugin, readable, note } = report.debugger;
    const what = origin ? `${name}: ${origin} (${plugin})` : name;
    sections.push(
      `${style.dim(`Debugger ${what}: ${readable ? "read the core" : "could not read the core"}`)}${note ? `\n${style.yellow(note)}` : ""}`,
    );
  }
  return visibleText(sections.join("\n\n"));
}

/** Who read the JS stack out of the core's memory, where a reader did (not V8's or Node's printed text). */
function readerOf(report: Report): string | undefined {
  const source = report.jsStack[0]?.source;
  if (source === "core") return "read from the core's V8 frames";
  if (source === "llnode") return "llnode";
  return undefined;
}

function stackSource(report: Report, allAgree: boolean): string {
  if (report.jsStack[0]?.source === "log") return "the container's log";
  const reader = readerOf(report);
  if (reader === undefined) return "V8's own output";
  const callSites = report.jsStack.filter((frame) => frame.position === "call site").length;
  if (callSites === 0) return `${reader}; positions are where functions are defined`;
  const positions =
    callSites === report.jsStack.length
      ? "call sites"
      : `call sites, where a frame says "function start" the function's first line`;
  if (allAgree) return `${reader}, ${positions}; the same as the stack V8 printed before aborting`;
  return `${reader}, ${positions}`;
}

/** llnode's frames, each that differs from the frame V8 printed at its place saying V8's position beside its own. */
function withPrintedPositions(report: Report): Array<Report["jsStack"][number] & { note?: string }> {
  return report.jsStack.map((frame, index) => {
    const printed = report.v8Printed.frames[index];
    if (frame.matchesV8Printed !== false || !printed) return frame;
    return { ...frame, note: `V8 printed ${printed.function || "(anonymous)"} ${placeOf(printed)}` };
  });
}

function placeOf(frame: ReportFrame): string {
  if (frame.file === undefined) return "";
  return `${frame.file}${frame.line === undefined ? "" : `:${frame.line}:${frame.column ?? 0}`}`;
}

/**
 * What a frame the walker read was called with, as llnode's `v8 bt` shows it:
 * `(this=<Object: Server>, <Object: IncomingMessage>, 3)`, clipped to one short cell. Empty where it was
 * not read, and for Node's own frames (`node:…`), whose arguments are its loader's and event machinery's:
 * `--json` has every frame's.
 */
function valuesCell(frame: ReportFrame & FrameValuesFields): string {
  if (frame.file?.startsWith("node:")) return "";
  if (frame.inlined) return style.dim("(inlined: its values are not on the stack)");
  if (!frame.arguments || frame.receiver == null) return "";
  const more = (frame.argumentCount ?? frame.arguments.length) - frame.arguments.length;
  const text = [`this=${frame.receiver}`, ...frame.arguments, ...(more > 0 ? [`… ${more} more`] : [])].join(
    ", ",
  );
  return style.dim(`(${text.length > VALUES_CHARS ? `${text.slice(0, VALUES_CHARS - 1)}…` : text})`);
}

function frames(
  title: string,
  list: readonly (ReportFrame & FrameValuesFields & { position?: string; note?: string })[],
): string {
  const mixed = new Set(list.map((frame) => frame.position)).size > 1;
  const someInApp = list.some((frame) => frame.inApp);
  const rows = list.slice(0, STACK_FRAMES).map((frame) => {
    const generated =
      placeOf(frame) +
      (mixed && frame.position === "function start" ? style.dim(" (function start)") : "") +
      (frame.note ? style.yellow(` (${frame.note})`) : "");
    const row = frame.original
      ? [
          `  ${frame.original.function || "(anonymous)"}`,
          `${placeOf(frame.original)}  ${style.dim(`(${frame.function || "(anonymous)"} ${generated})`)}`,
        ]
      : [`  ${frame.function || "(anonymous)"}`, generated];
    // After the place, not in a column of its own: a long place elsewhere would push it off the line.
    const values = valuesCell(frame);
    if (values) row[1] = `${row[1]}  ${values}`;
    return someInApp && frame.inApp === false ? row.map((cell) => style.dim(cell)) : row;
  });
  const more = list.length > STACK_FRAMES ? `\n  … ${list.length - STACK_FRAMES} more` : "";
  return `${style.bold(title)}\n${renderTable(["", ""], rows).split("\n").slice(1).join("\n")}${more}`;
}

/** The first in-app frame's lines of code, a caret under the column, as Node prints them above an error. */
function codeLines(code: CodeExcerpt): string {
  const width = String(code.lines.at(-1)?.line ?? code.line).length;
  const rows = code.lines.flatMap(({ line, text }) => {
    const row = `  ${String(line).padStart(width)} | ${text}`;
    if (line !== code.line) return [style.dim(row)];
    return [row, `  ${" ".repeat(width)} | ${" ".repeat(Math.max(0, code.caret - 1))}${style.red("^")}`];
  });
  return [
    `${style.bold(`${code.file}:${code.line}:${code.column}`)}  ${style.dim(`(the first in-app frame; from ${code.from})`)}`,
    ...rows,
  ].join("\n");
}

function sourceMapLines(section: NonNullable<Report["sourceMaps"]>): string {
  return [
    style.bold(`Source maps (${section.maps.length} used)`),
    ...section.maps.map((use) => style.dim(`  ${use.script}: ${use.map}`)),
    ...section.notes.map((note) => style.yellow(`  ${note}`)),
  ].join("\n");
}
