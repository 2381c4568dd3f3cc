/**
 * What V8 prints before it aborts on an uncaught exception (`--abort-on-uncaught-exception`) stays in the
 * process's memory, and so in its core: the error line and a block of frames with exact call sites.
 * These functions find both in raw bytes, on every Node version, with no debugger.
 */

export interface JsFrame {
  function: string;
  file: string;
  line: number;
  column: number;
}

export interface AbortText {
  /** `TypeError`, from `Uncaught TypeError: …`. */
  errorType?: string;
  message?: string;
  frames: JsFrame[];
}

const FRAME_LINE = "[^\\x00-\\x1f()]{1,300} \\([^\\x00-\\x1f()]{1,500}:\\d+:\\d+\\)";
/** Two or more frame lines; the last one may end the string rather than the line. */
const FRAME_BLOCK = new RegExp(`(?:${FRAME_LINE}\\n)+${FRAME_LINE}`, "g");
const ONE_FRAME = /^(.*) \((.*):(\d+):(\d+)\)$/;
const UNCAUGHT = /Uncaught ([A-Za-z_$][\w$]{0,100}): ([^\x00-\x09\x0b-\x1f]{1,500})/g;

/** The longest block of frames and the first uncaught error in `text` (bytes read as latin1). */
export function findAbortText(text: string): AbortText {
  let best: JsFrame[] = [];
  for (const match of text.matchAll(FRAME_BLOCK)) {
    const frames = parseFrames(match[0]);
    if (frames.length > best.length) best = frames;
  }
  const uncaught = UNCAUGHT.exec(text);
  UNCAUGHT.lastIndex = 0;
  const found: AbortText = { frames: best };
  if (uncaught) {
    found.errorType = uncaught[1];
    found.message = uncaught[2]?.trim();
  }
  return found;
}

export function parseFrames(block: string): JsFrame[] {
  return block
    .split("\n")
    .map((line) => ONE_FRAME.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({
      function: match[1] ?? "",
      file: match[2] ?? "",
      line: Number(match[3]),
      column: Number(match[4]),
    }));
}

/** Keeps the better of two findings from different parts of the core. */
export function mergeAbortText(a: AbortText, b: AbortText): AbortText {
  const merged: AbortText = { frames: b.frames.length > a.frames.length ? b.frames : a.frames };
  const errorType = a.errorType ?? b.errorType;
  const message = a.message ?? b.message;
  if (errorType !== undefined) merged.errorType = errorType;
  if (message !== undefined) merged.message = message;
  return merged;
}
