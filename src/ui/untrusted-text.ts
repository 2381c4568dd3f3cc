import { randomBytes } from "node:crypto";
import chalk from "chalk";

/**
 * Text from a dump (pod names, logs, keys, a crashed program's error message) is written by whoever ran
 * the pod. Printed raw, its control characters would drive the reader's terminal: OSC 52 writes the
 * clipboard, OSC 0 the window title, `ESC[2J` clears the screen, SGR colours it (black on black, or a bold
 * green line that looks like coredump's own), CR and backspace overwrite what was printed, U+202E reverses
 * it, and zero-width characters make two different names look the same. These functions show each such
 * character as an escape (`\x1b`, `\u202e`, `\u200b`).
 *
 * What counts as a control: C0, DEL and C1; the bidi controls (U+061C, U+200E/F, U+202A–E, U+2066–9);
 * the zero-width and invisible ones (U+200B–D, U+2060–5, U+FEFF); the line and paragraph separators
 * U+2028/9.
 *
 * coredump's own styles are not escape sequences until the text is written: `style` marks them with a
 * random key of this process's, which no dump can know, and `writeHuman` escapes everything else first,
 * then turns the marks into SGR (or drops them when colour is off). So text is styled after it is escaped,
 * and no colour a dump holds reaches the terminal.
 */
const CONTROLS =
  "\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2069\\ufeff\\u2028\\u2029";
const LINE = new RegExp(`[${CONTROLS}]`, "g");
/** The same without newline and tab, which are how a block of lines is laid out, not a threat. */
const BLOCK = new RegExp(`[${CONTROLS.replace("\\u0000-\\u001f", "\\u0000-\\u0008\\u000b-\\u001f")}]`, "g");

/** A style's mark: private-use brackets around this process's key and the SGR parameters. */
const KEY = randomBytes(8).toString("hex");
const MARK_OPEN = "\uf8f0";
const MARK_CLOSE = "\uf8f1";
const MARK = new RegExp(`${MARK_OPEN}${KEY}([0-9;]+)${MARK_CLOSE}`, "g");

/** One line from a dump, every control character escaped, newline and tab included: a table cell, a name. */
export function visibleLine(text: string): string {
  return text.replace(LINE, escapeMatch);
}

/** Lines of text (a log's tail, a report, an error message): newlines and tabs stay, all else is escaped. */
export function visibleText(text: string): string {
  return text.replace(BLOCK, escapeMatch);
}

/**
 * Writes human output, its controls escaped, so that every message a command prints gets it by default;
 * then coredump's own styles (see `style`) as SGR when colour is on.
 */
export function writeHuman(stream: NodeJS.WritableStream, text: string): void {
  stream.write(paint(visibleText(text)));
}

/** The styles coredump uses, as chalk names them, and their SGR parameters: on, off. */
const STYLES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
} as const;
type StyleName = keyof typeof STYLES;
export type Styler = ((text: unknown) => string) & { readonly [Name in StyleName]: Styler };

/**
 * coredump's own styles, used as chalk is (`style.bold.red(text)`): the text is marked, not coloured, and
 * `writeHuman` colours it once everything else is escaped. Text styled is printed only through it.
 */
export const style: Styler = styler([]);

function styler(applied: ReadonlyArray<readonly [number, number]>): Styler {
  const apply = (text: unknown) => {
    let styled = String(text);
    for (const [on, off] of [...applied].reverse()) {
      // A style closed inside (`bold` in `bold`) is opened again after, as chalk does.
      styled = `${mark(on)}${styled.replaceAll(mark(off), `${mark(off)}${mark(on)}`)}${mark(off)}`;
    }
    return styled;
  };
  for (const name of Object.keys(STYLES) as StyleName[]) {
    // Made on first use and kept: a listing styles 100,000 cells.
    Object.defineProperty(apply, name, {
      configurable: true,
      get: () => {
        const chained = styler([...applied, STYLES[name]]);
        Object.defineProperty(apply, name, { value: chained });
        return chained;
      },
    });
  }
  return apply as Styler;
}

function mark(parameters: number): string {
  return `${MARK_OPEN}${KEY}${parameters}${MARK_CLOSE}`;
}

/** Marked styles as SGR when colour is on; dropped when it is off. */
export function paint(text: string): string {
  return text.replace(MARK, (_, parameters: string) => (chalk.level > 0 ? `\u001b[${parameters}m` : ""));
}

/** Text without its style marks: what a terminal shows of it, for widths. */
export function unstyled(text: string): string {
  return text.replace(MARK, "");
}

/**
 * JSON for stdout. JSON.stringify escapes C0 but leaves DEL, C1, the bidi controls and U+2028/9 raw; they
 * become `\u` escapes here too, which any JSON reader decodes to the same string.
 */
export function jsonText(value: unknown): string {
  return `${escapeJsonRaw(JSON.stringify(value, null, 2))}\n`;
}
/** One JSON value on one line (JSON lines), escaped as `jsonText` escapes it. */
export function jsonLine(value: unknown): string {
  return `${escapeJsonRaw(JSON.stringify(value))}\n`;
}

const JSON_RAW = new RegExp(`[${CONTROLS.replace("\\u0000-\\u001f", "")}]`, "g");

function escapeJsonRaw(json: string): string {
  return json.replace(JSON_RAW, (char) => unicodeEscape(char));
}

/** Text is written in pieces of about this many characters, made of batches of this many elements. */
const PIECE = 1 << 16;
const BATCH = 256;

/**
 * The text `jsonText(items.map(toJson))` gives, written element by element: a listing of 100,000 dumps is
 * never one string (nor that string's copies, escaped and encoded) in memory at once.
 */
export async function writeJsonArray<T>(
  stream: NodeJS.WritableStream,
  items: Iterable<T>,
  toJson: (item: T) => unknown,
): Promise<void> {
  let batch: unknown[] = [];
  let piece = "";
  let first = true;
  const flush = () => {
    // A batch's own array text, less its brackets, is its elements as the whole array's text holds them.
    const text = JSON.stringify(batch, null, 2);
    piece += `${first ? "[\n" : ",\n"}${text.slice(2, -2)}`;
    first = false;
    batch = [];
  };
  for (const item of items) {
    batch.push(toJson(item));
    if (batch.length < BATCH) continue;
    flush();
    if (piece.length >= PIECE) {
      await writePiece(stream, piece);
      piece = "";
    }
  }
  if (batch.length > 0) flush();
  await writePiece(stream, `${piece}${first ? "[]" : "\n]"}\n`);
}

function writePiece(stream: NodeJS.WritableStream, piece: string): Promise<void> | undefined {
  const flowing = stream.write(escapeJsonRaw(piece));
  return flowing ? undefined : new Promise((resolve) => stream.once("drain", resolve));
}

function escapeMatch(match: string): string {
  return [...match].map(escapeChar).join("");
}

function escapeChar(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  if (code > 0xff) return unicodeEscape(char);
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return `\\x${code.toString(16).padStart(2, "0")}`;
  return char;
}

function unicodeEscape(char: string): string {
  return `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`;
}
