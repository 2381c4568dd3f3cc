import { isJsNamePath, type JsFrame } from "./js-frame.js";

/** A frame is printable text: control bytes end it. */
const TEXT = "[^\\x00-\\x1f()";
const NUMBERED = new RegExp(
  `(\\d{1,3}): (?:(${TEXT}]{1,300}?) \\((${TEXT}]{1,500}):(\\d+):(\\d+)\\)|(${TEXT} ]{1,500}):(\\d+):(\\d+))\\n`,
  "g",
);

/**
 * The frames of Node's own crash report (`----- JavaScript stack trace -----`, then `1: fn (file:l:c)`,
 * `2: file:l:c` …), which Node prints when it aborts: unhandled rejections, fatal errors, `process.abort()`,
 * out of memory. Pure: `text` is any piece of a core or of a log. Returns the longest run of frames
 * numbered from 1 without a gap whose names are all JS names (a run whose start other bytes overwrote
 * is cut where its numbering or names stop making sense), or an empty list.
 */
export function findNodeJsStack(text: string): JsFrame[] {
  let best: JsFrame[] = [];
  let run: JsFrame[] = [];
  let end = -1;
  for (const match of text.matchAll(NUMBERED)) {
    const frame = numberedFrame(match);
    const number = Number(match[1]);
    const follows = match.index === end && number === run.length + 1;
    if (!follows) run = [];
    if (frame && (follows || number === 1)) {
      run.push(frame);
      end = match.index + match[0].length;
      if (run.length > best.length) best = [...run];
    } else {
      run = [];
      end = -1;
    }
  }
  return best;
}

function numberedFrame(match: RegExpMatchArray): JsFrame | undefined {
  const name = match[2];
  const frame =
    name === undefined
      ? { function: "", file: match[6] ?? "", line: Number(match[7]), column: Number(match[8]) }
      : { function: name, file: match[3] ?? "", line: Number(match[4]), column: Number(match[5]) };
  if (name !== undefined && !isJsNamePath(name)) return undefined;
  return isScriptName(frame.file) ? frame : undefined;
}

/**
 * A script as V8 names it: a builtin (`node:events`), a file with an extension (`/app/a.js`), or an
 * evaluated one (`[eval]`, `<anonymous>`). Two copies run together (`/app/fatal-s/loader`) are none.
 */
function isScriptName(file: string): boolean {
  return (
    /^node:[\w/]+$/.test(file) || /\.[A-Za-z]{1,5}$/.test(file) || /^(?:\[eval\w*\]|<anonymous>)$/.test(file)
  );
}
