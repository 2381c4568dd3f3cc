/**
 * What a container log says of the death of the Node process that wrote it. Node prints to stderr on every
 * kind of death, and the handler keeps the container's last 500 lines beside the core:
 *
 * - an uncaught exception under `--abort-on-uncaught-exception`: `Uncaught TypeError: …`, a blank line,
 *   `FROM`, then one frame per line without `at` (Node 18 runs the frames together on one line);
 * - an uncaught exception without it, and an unhandled rejection: the source line and a caret, the error
 *   as `util.inspect` prints it (`TypeError: …` and `    at …` frames), `Node.js v22.22.0`; an aborting
 *   rejection then prints the native stack and a JavaScript stack of Node's internals
 *   (`throwUnhandledRejectionsMode`);
 * - heap exhaustion and other fatal errors: `FATAL ERROR: <message>`, then the native stack;
 *   V8's CHECK failures: `# Fatal error in <file>` and `# <message>`;
 * - `process.abort()`: the native stack and, from Node 20 on, a numbered JavaScript stack.
 *
 * Pure: text in, facts out. Nothing here knows about dumps.
 *
 * Bounded and linear whatever the log: only its tail is read (the handler keeps 500 lines, a crash's report
 * is at its end), every search looks back a bounded number of lines, and no pattern backtracks over a line.
 */

import { type GoCrashKind, goCrashOfLog } from "../runtimes/go/traceback.js";

export type LogCrashKind =
  | GoCrashKind
  | "uncaught-exception"
  | "unhandled-rejection"
  | "out-of-memory"
  | "fatal-error"
  | "abort";

/** One frame as Node printed it, split into its parts. */
export interface LogFrame {
  /** `Server.myRequestListener`, `new Session`, `<anonymous>` when the frame has no name. */
  function: string;
  /** The script's path or URL as printed (`/app/server.js`, `node:events`, `file:///app/x.mjs`). */
  file?: string;
  line?: number;
  column?: number;
}

export interface LogCrash {
  kind: LogCrashKind;
  /** `TypeError`; absent for fatal errors and aborts. */
  errorType?: string;
  /** The error's first line after its type, or the fatal error's message. */
  message?: string;
  frames: LogFrame[];
}

const NODE_VERSION_LINE = /^Node\.js v\d+\.\d+/;
const STANDARD_FRAME = /^\s+at (.+)$/;
const NUMBERED_FRAME = /^\s*\d+: (.+)$/;
const NATIVE_FRAME = /^\s*\d+: 0x[0-9a-f]+/;
const JS_STACK_HEADER = /^(----- JavaScript stack trace -----|<--- JS stacktrace --->)$/;
const REJECTION_INTERNALS = /\b(throwUnhandledRejectionsMode|processPromiseRejections)\b/;
/** `TypeError: msg`, `TypeError [ERR_X]: msg`, `Error`, `AggregateError: …`. */
const ERROR_HEADER = /^([A-Za-z_$][\w$.]*)(?: \[[\w$]+\])?(?:: (.*))?$/;
/** A parenthesised location on a line of Node 18's run-together `FROM` list: `name (location)`. */
const FROM_LOCATION = /\(([^()]*)\)/g;
/** A location printed bare (`/app/a.js:9:1`), and where the next one starts. */
const BARE_START = /file:\/\/|\/|node:/g;
const BARE_PREFIXES = ["file://", "/", "node:"];
const LINE_COLUMN = /:\d+:\d+/g;
/** The same, searched from a position (its lastIndex set each time: not shared with matchAll). */
const NEXT_LINE_COLUMN = /:\d+:\d+/g;

/** The log's last lines that are read: twice what the handler keeps. */
export const TAIL_LINES = 1000;
/** And at most its last characters: a tail of long lines is no larger. */
export const TAIL_CHARACTERS = 1 << 20;
/** A message of several lines is looked for this far above its frames. */
const MESSAGE_LINES = 50;

/**
 * The last crash the log tells of, or undefined when it tells of none (a native fault prints nothing). A Go
 * program's traceback is read by the Go room's reader: its cause is at the top, not at the end.
 */
export function crashFromLog(text: string): LogCrash | undefined {
  const go = goCrashOfLog(text);
  if (go) return go;
  const lines = tailLines(text);
  const candidates = [fatalError(lines), v8Check(lines), abortFormat(lines), standardFormat(lines)].filter(
    (found): found is Found => found !== undefined,
  );
  const last = candidates.sort((a, b) => b.at - a.at)[0];
  if (last) return last.crash;
  const frames = numberedJsFrames(lines, 0);
  if (frames.length > 0 || lines.some((line) => NATIVE_FRAME.test(line))) return { kind: "abort", frames };
  return undefined;
}

interface Found {
  /** The line the crash's report starts at: the latest report wins. */
  at: number;
  crash: LogCrash;
}

function fatalError(lines: readonly string[]): Found | undefined {
  const at = lastIndex(lines, (line) => line.startsWith("FATAL ERROR: "));
  if (at < 0) return undefined;
  const message = (lines[at] ?? "").slice("FATAL ERROR: ".length).trim();
  const kind = /out of memory|Allocation failed/i.test(message) ? "out-of-memory" : "fatal-error";
  // Older Nodes print the JS frames before the message, under `<--- JS stacktrace --->`.
  const before = lastIndex(lines.slice(0, at), (line) => JS_STACK_HEADER.test(line));
  const frames = [...(before >= 0 ? numberedJsFrames(lines, before) : []), ...numberedJsFrames(lines, at)];
  return { at, crash: { kind, message, frames } };
}

function v8Check(lines: readonly string[]): Found | undefined {
  const at = lastIndex(lines, (line) => line.startsWith("# Fatal error in "));
  if (at < 0) return undefined;
  const detail = lines.slice(at + 1, at + 4).find((line) => /^# \S/.test(line));
  const message = (detail ?? lines[at] ?? "").replace(/^# /, "").trim();
  return { at, crash: { kind: "fatal-error", message, frames: numberedJsFrames(lines, at) } };
}

/** `Uncaught TypeError: …`, blank, `FROM`, frames: V8's own print under --abort-on-uncaught-exception. */
function abortFormat(lines: readonly string[]): Found | undefined {
  const from = lastIndex(lines, (line) => line === "FROM");
  if (from < 0) return undefined;
  const at = lastIndex(lines.slice(Math.max(0, from - 3), from), (line) => line.startsWith("Uncaught "));
  if (at < 0) return undefined;
  const start = Math.max(0, from - 3) + at;
  const frames: LogFrame[] = [];
  for (const line of lines.slice(from + 1)) {
    if (line.trim() === "") break;
    frames.push(...fromLineFrames(line));
  }
  const header = (lines[start] ?? "").slice("Uncaught ".length);
  return { at: start, crash: { kind: "uncaught-exception", ...splitHeader(header), frames } };
}

/**
 * The error as util.inspect prints it, `    at` frames under it: an uncaught exception or an unhandled
 * rejection. Only a block Node itself printed counts (`Node.js v…` follows it, or the source line and its
 * caret precede it): an error the app logged and survived is no crash.
 */
function standardFormat(lines: readonly string[]): Found | undefined {
  for (let last = lines.length - 1; last >= 0; last--) {
    if (!STANDARD_FRAME.test(lines[last] ?? "")) continue;
    let first = last;
    while (first > 0 && STANDARD_FRAME.test(lines[first - 1] ?? "")) first--;
    let header = first - 1;
    // A message of several lines: its first line is the one after a blank line (or the caret's block).
    const highest = Math.max(1, first - 1 - MESSAGE_LINES);
    while (
      header > highest &&
      (lines[header - 1] ?? "").trim() !== "" &&
      !ERROR_HEADER.test(lines[header] ?? "")
    )
      header--;
    const after = lines.slice(last + 1, last + 8);
    const printedByNode =
      after.some((line) => NODE_VERSION_LINE.test(line)) || /^\s*\^+\s*$/.test(lines[header - 2] ?? "");
    if (!printedByNode || header < 0) {
      last = first;
      continue;
    }
    const frames = lines
      .slice(first, last + 1)
      .map((line) => parseFrame((STANDARD_FRAME.exec(line)?.[1] ?? "").replace(/ \{$/, "")))
      .filter((frame): frame is LogFrame => frame !== undefined);
    const { errorType, message } = splitHeader(lines[header] ?? "");
    const rest = lines.slice(last + 1).join("\n");
    const rejected =
      errorType === "UnhandledPromiseRejection" ||
      REJECTION_INTERNALS.test(rest) ||
      // Node 18 and 20 print no JS stack when a rejection aborts: the native stack after the version says so.
      lines.slice(last + 1).some((line) => NATIVE_FRAME.test(line));
    return {
      at: header,
      crash: {
        kind: rejected ? "unhandled-rejection" : "uncaught-exception",
        ...(errorType === undefined ? {} : { errorType }),
        ...(message === undefined ? {} : { message }),
        frames,
      },
    };
  }
  return undefined;
}

/** The numbered JavaScript frames of the first `----- JavaScript stack trace -----` after `from`. */
function numberedJsFrames(lines: readonly string[], from: number): LogFrame[] {
  const header = lines.findIndex((line, index) => index >= from && JS_STACK_HEADER.test(line));
  if (header < 0) return [];
  const frames: LogFrame[] = [];
  for (const line of lines.slice(header + 1)) {
    if (line.trim() === "") {
      if (frames.length > 0) break;
      continue;
    }
    const body = NUMBERED_FRAME.exec(line)?.[1];
    if (body === undefined || NATIVE_FRAME.test(line)) break;
    const frame = parseFrame(body);
    if (frame) frames.push(frame);
  }
  return frames;
}

function splitHeader(header: string): { errorType?: string; message?: string } {
  const match = ERROR_HEADER.exec(header.trim());
  if (!match) return { message: header.trim() };
  return match[2] === undefined
    ? { errorType: match[1] ?? "" }
    : { errorType: match[1] ?? "", message: match[2] };
}

/** `fn (file:line:col)`, `file:line:col`, `fn (<anonymous>)`, `async fn (file…)`, `fn [as alias] (…)`. */
export function parseFrame(text: string): LogFrame | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  // `name (location)`: the first ` (` of a text that ends with `)`; found by position, not by a pattern
  // that backtracks over the text.
  const open = trimmed.endsWith(")") ? trimmed.indexOf(" (") : -1;
  const fn = open >= 0 ? trimmed.slice(0, open) : "";
  const location = open >= 0 ? trimmed.slice(open + 2, -1) : trimmed;
  const position = POSITION.exec(location);
  const frame: LogFrame = { function: fn === "" ? "<anonymous>" : fn };
  if (position) {
    frame.file = location.slice(0, position.index);
    frame.line = Number(position[1]);
    if (position[2] !== undefined) frame.column = Number(position[2]);
  } else if (location !== "<anonymous>" && location !== "native" && !/^index \d+$/.test(location)) {
    frame.file = location;
  }
  return frame;
}

/** `:line` or `:line:column` at the end of a location; the file is what comes before. */
const POSITION = /:(\d+)(?::(\d+))?$/;

/**
 * The frames of one line of a `FROM` list. Node 18 runs them together: `handle (/app/a.js:3:9)`, a bare
 * `/app/a.js:9:1`, then `Array.map (<anonymous>)` with no space between. Each parenthesised location ends
 * a named frame; bare locations stand before a name or after the last one.
 */
function fromLineFrames(line: string): LogFrame[] {
  const frames: LogFrame[] = [];
  let start = 0;
  for (const match of line.matchAll(FROM_LOCATION)) {
    const before = line.slice(start, match.index);
    start = match.index + match[0].length;
    if (!before.endsWith(" ") || before.trim() === "") {
      frames.push(...bareFrames(before));
      continue;
    }
    // A bare location run together with the named frame after it: `/app/a.js:9:1Array.map (…)`.
    const name = before.trim();
    const bare = bareEnd(name);
    if (bare > 0) frames.push(...bareFrames(name.slice(0, bare)));
    const frame = parseFrame(`${name.slice(bare)} (${match[1]})`);
    if (frame) frames.push(frame);
  }
  frames.push(...bareFrames(line.slice(start)));
  return frames;
}

/** Where a run of bare locations at the start of `text` ends (`/app/a.js:9:1` of `/app/a.js:9:1Array.map`). */
function bareEnd(text: string): number {
  let end = 0;
  while (BARE_PREFIXES.some((prefix) => text.startsWith(prefix, end))) {
    NEXT_LINE_COLUMN.lastIndex = end;
    const next = NEXT_LINE_COLUMN.exec(text);
    if (!next || /[\s()]/.test(text.slice(end, next.index))) break;
    const after = next.index + next[0].length;
    // Something must be left for the name.
    if (after >= text.length) break;
    end = after;
  }
  return end;
}

/** The bare locations (`/app/a.js:9:1`, `node:internal/x:5:3`) in a text with no parentheses. */
function bareFrames(text: string): LogFrame[] {
  const frames: LogFrame[] = [];
  for (const word of text.split(/\s+/)) {
    let at = 0;
    for (const end of word.matchAll(LINE_COLUMN)) {
      BARE_START.lastIndex = at;
      const begin = BARE_START.exec(word);
      if (begin && begin.index < end.index) {
        const frame = parseFrame(word.slice(begin.index, end.index + end[0].length));
        if (frame) frames.push(frame);
      }
      at = end.index + end[0].length;
    }
  }
  return frames;
}

/** The last lines of the log, at most TAIL_LINES of them from at most its last TAIL_CHARACTERS. */
function tailLines(text: string): string[] {
  const tail = text.length > TAIL_CHARACTERS ? text.slice(text.length - TAIL_CHARACTERS) : text;
  const lines = tail.split(/\r?\n/);
  // A cut tail starts inside a line: that part of a line is not read.
  if (tail.length < text.length) lines.shift();
  return lines.length > TAIL_LINES ? lines.slice(lines.length - TAIL_LINES) : lines;
}

function lastIndex(lines: readonly string[], test: (line: string) => boolean): number {
  for (let index = lines.length - 1; index >= 0; index--) if (test(lines[index] ?? "")) return index;
  return -1;
}
