/**
 * What Node and V8 print when a process dies, read back from any text that holds it: a container's log, or
 * the pieces of it left in the core's memory. Pure functions, one per kind of line; each returns undefined
 * when the text does not hold it.
 */
import { isJsNamePath, type JsFrame } from "./js-frame.js";

/** `FATAL ERROR: …` (Node), `# Fatal error in …` (V8), or a failed CHECK or assertion of Node's. */
export function findFatalMessage(text: string): string | undefined {
  const node = FATAL_ERROR.exec(text)?.[1];
  // The core also holds the format string itself (`FATAL ERROR: %s`).
  if (node && !node.includes("%s")) return `FATAL ERROR: ${node.trim()}`;
  const v8 = V8_FATAL.exec(text);
  if (v8) return `Fatal error in ${v8[1]}: ${v8[2]?.trim()}`;
  const assertion = ASSERTION_NEW.exec(text) ?? ASSERTION_OLD.exec(text);
  if (assertion) return `Assertion failed: ${assertion[2]?.trim()} (${assertion[1]?.trim()})`;
  return undefined;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: a printed line ends at a control byte.
const FATAL_ERROR = /FATAL ERROR: ([^\x00-\x1f]{1,300})/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: as above.
const V8_FATAL = /# Fatal error in ([^\x00-\x1f]{0,200}), line \d+\n#\s*([^\x00-\x1f]{1,300})/;
/** Node 22 and later: `  #  node[1]: fn at file:line` then `  #  Assertion failed: expr`. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: as above.
const ASSERTION_NEW = /#\s+\S*\[\d+\]: ([^\x00-\x1f]{1,300})\n\s*#\s+Assertion failed: ([^\x00-\x1f]{1,300})/;
/** Node 18 and 20: `node[1]: ../src/file.cc:155:fn: Assertion `expr' failed.` */
// biome-ignore lint/suspicious/noControlCharactersInRegex: as above.
const ASSERTION_OLD = /\[\d+\]: ([^\x00-\x1f]{1,300}?): Assertion `([^\x00-\x1f]{1,300})' failed\./;

/** The heap in megabytes at the last collection V8 printed (`<--- Last few GCs --->`): before and after. */
export interface LastGc {
  beforeMb: number;
  afterMb: number;
}

/** `Mark-Compact 62.6 (84.6) -> 57.1 (94.6) MB` (and Mark-sweep, Scavenge): the last one in the text. */
export function findLastGc(text: string): LastGc | undefined {
  let last: LastGc | undefined;
  for (const match of text.matchAll(GC_LINE))
    last = { beforeMb: Number(match[1]), afterMb: Number(match[2]) };
  return last;
}

const GC_LINE =
  /(?:Mark-Compact|Mark-sweep|Scavenge)(?: \(reduce\))? (\d+(?:\.\d+)?) \(\d+(?:\.\d+)?\) -> (\d+(?:\.\d+)?) \(\d+(?:\.\d+)?\) MB/g;

/** `--max-old-space-size=64` (or with `_`, or as `--max-old-space-size 64`) in a command line: megabytes. */
export function findMaxOldSpaceMb(text: string): number | undefined {
  const match = MAX_OLD_SPACE.exec(text);
  return match ? Number(match[1]) : undefined;
}

const MAX_OLD_SPACE = /--max[-_]old[-_]space[-_]size[= ](\d{1,7})\b/;

/** An error as `util.inspect` prints it when it kills the process: its type, message and stack frames. */
export interface PrintedError {
  type: string;
  message: string;
  frames: JsFrame[];
}

/**
 * The last `TypeError: message` line followed by `    at fn (file:line:col)` lines in the text (what Node
 * prints of an uncaught error or an unhandled rejection's reason).
 */
export function findPrintedError(text: string): PrintedError | undefined {
  let last: RegExpExecArray | undefined;
  for (const match of text.matchAll(PRINTED_ERROR)) last = match;
  if (!last) return undefined;
  return {
    type: last[1] ?? "",
    message: (last[2] ?? "").trim(),
    frames: frameLines(text, last.index + last[0].length).flatMap(printedFrame),
  };
}

const LINE = "[^\\x00-\\x1f]";
/** The error's line, where a frame's line follows it; the frames are read by frameLines. */
const PRINTED_ERROR = new RegExp(
  `(?:^|\\n)(?:Uncaught )?([A-Z][\\w$]{0,100}(?:Error|Exception)): (${LINE}{0,500})\\n(?= {4}at ${LINE})`,
  "g",
);
const FRAME_LINE = new RegExp(`^ {4}at ${LINE}{1,800}$`);

/**
 * The `    at …` lines from `start` on, one at a time: a pattern repeated over 200,000 of them overflows the
 * stack of the regular expression engine.
 */
function frameLines(text: string, start: number): string[] {
  const lines: string[] = [];
  for (let at = start; at < text.length; ) {
    const end = text.indexOf("\n", at);
    const line = text.slice(at, end < 0 ? text.length : end);
    if (!FRAME_LINE.test(line)) break;
    lines.push(line);
    if (end < 0) break;
    at = end + 1;
  }
  return lines;
}

/** `file:line:column` at the end of a frame's location. */
const POSITION = /:(\d+):(\d+)$/;

/**
 * One `    at …` line: `fn (file:line:col)`, or `file:line:col` for a frame without a name. In the order
 * printed, one line at a time: a log of 120,000 frames costs no more than reading them.
 */
function printedFrame(line: string): JsFrame[] {
  // An error with properties ends its last frame's line with ` {`.
  const body = line.startsWith("    at ") ? line.slice("    at ".length).replace(/ \{$/, "") : "";
  const open = body.endsWith(")") ? body.indexOf(" (") : -1;
  const name = open >= 0 ? body.slice(0, open).trim() : "";
  const location = open >= 0 ? body.slice(open + 2, -1) : body;
  if (/[\s()]/.test(open >= 0 ? location.replace(/ /g, "") : location)) return [];
  const position = POSITION.exec(location);
  if (!position || position.index === 0) return [];
  // A name that is not a JS identifier path is other text that ran into the line.
  if (open >= 0 && !isJsNamePath(name)) return [];
  return [
    {
      function: name,
      file: location.slice(0, position.index),
      line: Number(position[1]),
      column: Number(position[2]),
    },
  ];
}
