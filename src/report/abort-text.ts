/**
 * What V8 prints before it aborts on an uncaught exception (`--abort-on-uncaught-exception`) stays in the
 * process's memory, and so in its core: the error line and a block of frames with exact call sites.
 * These functions find both in raw bytes, on every Node version, with no debugger.
 */

import { isJsNamePath, type JsFrame } from "./js-frame.js";

export type { JsFrame } from "./js-frame.js";

export interface AbortText {
  /** `TypeError`, from `Uncaught TypeError: …`. */
  errorType?: string;
  message?: string;
  frames: JsFrame[];
}

const FRAME = "[^\\x00-\\x1f()]{1,300} \\([^\\x00-\\x1f()]{1,500}:\\d+:\\d+\\)";
/** An anonymous function's frame: its script's place alone (`node:internal/main/run_main_module:28:49`). */
const ANONYMOUS = "[^\\x00-\\x20()]{1,500}:\\d+:\\d+";
/**
 * Two or more frames; Node 20 and later end each with a newline, Node 18 runs named ones together. An
 * anonymous frame has a line of its own.
 */
const FRAME_BLOCK = new RegExp(
  `(?:(?:${FRAME}|${ANONYMOUS})\\n|${FRAME})+(?:${FRAME}|${ANONYMOUS}(?![\\d:]))`,
  "g",
);
const ANONYMOUS_LINE = new RegExp(`^(${ANONYMOUS.replace(":\\d+:\\d+", "")}):(\\d+):(\\d+)$`);
// biome-ignore lint/suspicious/noControlCharactersInRegex: a frame is printable text; control bytes end it.
const ONE_FRAME = /([^\x00-\x1f()]+?) \(([^\x00-\x1f()]+):(\d+):(\d+)\)/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: a message ends at the first control byte of the core.
const UNCAUGHT_LINE = /Uncaught ([A-Za-z_$][\w$]{0,100}): ([^\x00-\x1f]{1,500})\n/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: likewise, where no newline follows the copy.
const UNCAUGHT = /Uncaught ([A-Za-z_$][\w$]{0,100}): ([^\x00-\x1f]{1,500})/;

/** `Uncaught Type: message` in UTF-16LE, read as latin1: each unit's low byte, then its high byte. */
const UNCAUGHT_TWO_BYTE = new RegExp(
  `${[..."Uncaught "].map((char) => `${char}\\x00`).join("")}((?:[A-Za-z_$]\\x00)(?:[\\w$]\\x00){0,100}):\\x00 \\x00(?:[\\x20-\\xff]\\x00|[\\x00-\\xff][\\x01-\\xff]){1,500}`,
);

/** The best block of frames and the uncaught error in `text` (bytes read as latin1). */
export function findAbortText(text: string): AbortText {
  const scan = new AbortTextScan();
  scan.add(text);
  return scan.result();
}

/**
 * Collects V8's abort text from a core read piece by piece. A core holds several copies of the printed
 * frames, and freed memory reused by other objects can overwrite the start of one (`Ö®ÅListener (…)`).
 * The longest block wins; among equals, plain text over a damaged copy, then the copy seen most often.
 */
export class AbortTextScan {
  private readonly blocks = new Map<string, { frames: JsFrame[]; copies: number }>();
  private errorType: string | undefined;
  private message: string | undefined;

  add(text: string): void {
    for (const match of framePassages(text).flatMap((passage) => [...passage.matchAll(FRAME_BLOCK)])) {
      const seen = this.blocks.get(match[0]);
      if (seen) seen.copies++;
      else this.blocks.set(match[0], { frames: parseFrames(match[0]), copies: 1 });
    }
    if (this.message !== undefined) return;
    // The printed line ends with a newline; a copy of the message elsewhere may run into other bytes.
    const uncaught = UNCAUGHT_LINE.exec(text) ?? UNCAUGHT.exec(text);
    if (!uncaught) {
      this.addTwoByte(text);
      return;
    }
    const length = heapStringLength(text, uncaught.index, uncaught[0].length);
    const prefix = `Uncaught ${uncaught[1]}: `.length;
    this.errorType = uncaught[1];
    this.message = (length === undefined ? uncaught[2] : uncaught[0].slice(prefix, length))?.trim();
  }

  /**
   * A message that is not Latin-1 is a two-byte string on V8's heap, and so is the `Uncaught …` line V8
   * formats from it: UTF-16 code units, which read as latin1 are each character followed by its high byte.
   */
  private addTwoByte(text: string): void {
    const uncaught = UNCAUGHT_TWO_BYTE.exec(text);
    if (!uncaught) return;
    const length = heapStringLength(text, uncaught.index, uncaught[0].length / 2);
    const line = Buffer.from(uncaught[0], "latin1").toString("utf16le");
    const type = Buffer.from(uncaught[1] ?? "", "latin1").toString("utf16le");
    this.errorType = type;
    this.message = line.slice(`Uncaught ${type}: `.length, length).trim();
  }

  result(): AbortText {
    let best: { frames: JsFrame[]; copies: number; plain: boolean } | undefined;
    for (const [block, { frames, copies }] of this.blocks) {
      const candidate = { frames, copies, plain: PLAIN_TEXT.test(block) };
      if (!best || ranksAbove(candidate, best)) best = candidate;
    }
    const found: AbortText = { frames: best?.frames ?? [] };
    if (this.errorType !== undefined) found.errorType = this.errorType;
    if (this.message !== undefined) found.message = this.message;
    return found;
  }
}

/**
 * The passages of `text` that may hold a frame block: around each run of call-site ends (`:12:5)`) close
 * together. FRAME_BLOCK tries up to 300 bytes of name at every position, which on a core full of printable
 * heap strings (an out-of-memory core of 1 GB) took most of the scan; `:\d+:\d+\)` is found as fast as its
 * colon. A frame is at most 300 + 2 + 500 bytes before its end, so a passage reaching that far before its
 * first end and with ends closer than GAP holds every block whole, and a block never spans two.
 */
function framePassages(text: string): string[] {
  const passages: string[] = [];
  let start = -1;
  let end = -1;
  for (const match of text.matchAll(CALL_SITE_END)) {
    if (start >= 0 && match.index - end > GAP) {
      // Anonymous frames (`script:1:2`, no parenthesis) may follow the last named one.
      passages.push(text.slice(start, end + REACH));
      start = -1;
    }
    if (start < 0) start = Math.max(0, match.index - REACH);
    end = match.index + match[0].length;
  }
  if (start >= 0) passages.push(text.slice(start, end + REACH));
  return passages;
}

const CALL_SITE_END = /:\d+:\d+\)/g;
/** Longest frame before its call site's end: name, ` (`, script, and room for the numbers. */
const REACH = 300 + 2 + 500 + 2;
const GAP = 2 * REACH;

const PLAIN_TEXT = /^[\x20-\x7e\n]*$/;

function ranksAbove(
  a: { frames: JsFrame[]; copies: number; plain: boolean },
  b: { frames: JsFrame[]; copies: number; plain: boolean },
): boolean {
  if (a.frames.length !== b.frames.length) return a.frames.length > b.frames.length;
  if (a.plain !== b.plain) return a.plain;
  return a.copies > b.copies;
}

/**
 * A V8 heap string is not NUL-terminated: the bytes after it belong to the next object. Its length is the
 * 32-bit field just before its characters (SeqOneByteString: map, hash, length, characters); where
 * that field is plausible, it says where the message ends.
 */
function heapStringLength(text: string, start: number, found: number): number | undefined {
  if (start < 4) return undefined;
  let length = 0;
  for (let byte = 3; byte >= 0; byte--) length = length * 256 + text.charCodeAt(start - 4 + byte);
  return length > "Uncaught ".length && length <= found ? length : undefined;
}

/**
 * The frames of one block whose names are JS names. A copy of the error's `stack` property puts `at ` in
 * front of each; Node's numbered report (node-stack.ts) is not this format and is left out.
 */
export function parseFrames(block: string): JsFrame[] {
  return block.split("\n").flatMap((line) => {
    const anonymous = ANONYMOUS_LINE.exec(line);
    if (anonymous)
      return [
        { function: "", file: anonymous[1] ?? "", line: Number(anonymous[2]), column: Number(anonymous[3]) },
      ];
    return [...line.matchAll(ONE_FRAME)].flatMap((match) => {
      const name = (match[1] ?? "").trim().replace(/^at /, "");
      if (!isJsNamePath(name)) return [];
      return [{ function: name, file: match[2] ?? "", line: Number(match[3]), column: Number(match[4]) }];
    });
  });
}
