import chalk from "chalk";

/**
 * Text from a dump (pod names, logs, keys, a crashed program's error message) is written by whoever ran
 * the pod. Printed raw, its control characters would drive the reader's terminal: OSC 52 writes the
 * clipboard, OSC 0 the window title, `ESC[2J` clears the screen, CR and backspace overwrite what was
 * printed, U+202E reverses it. These functions show each such character as an escape (`\x1b`, `\u202e`).
 *
 * What counts as a control: C0, DEL and C1; the bidi controls (U+061C, U+200E/F, U+202A–E, U+2066–9);
 * the line and paragraph separators U+2028/9.
 */
const CONTROLS =
  "\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069\\u2028\\u2029";
const SGR = "\\u001b\\[[0-9;]*m";
const LINE = new RegExp(`(${SGR})|[${CONTROLS}]`, "g");
/** The same without newline and tab, which are how a block of lines is laid out, not a threat. */
const BLOCK = new RegExp(
  `(${SGR})|[${CONTROLS.replace("\\u0000-\\u001f", "\\u0000-\\u0008\\u000b-\\u001f")}]`,
  "g",
);
/** SGR parameters chalk writes for the styles coredump uses: weight, italics, underline, colours, resets. */
const STYLE_PARAMETERS = /^(0|1|2|3|4|22|23|24|3[0-79]|4[0-79]|9[0-7]|10[0-7])?$/;

/** One line from a dump, every control character escaped, newline and tab included: a table cell, a name. */
export function visibleLine(text: string): string {
  return text.replace(LINE, escapeMatch);
}

/** Lines of text (a log's tail, a report, an error message): newlines and tabs stay, all else is escaped. */
export function visibleText(text: string): string {
  return text.replace(BLOCK, escapeMatch);
}

/** Writes human output, its controls escaped, so that every message a command prints gets it by default. */
export function writeHuman(stream: NodeJS.WritableStream, text: string): void {
  stream.write(visibleText(text));
}

/**
 * JSON for stdout. JSON.stringify escapes C0 but leaves DEL, C1, the bidi controls and U+2028/9 raw; they
 * become `\u` escapes here too, which any JSON reader decodes to the same string.
 */
export function jsonText(value: unknown): string {
  return `${escapeJsonRaw(JSON.stringify(value, null, 2))}\n`;
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

function escapeMatch(match: string, sgr: string | undefined): string {
  // chalk's own styling stays when colour is on; with colour off, any SGR came from the dump.
  if (sgr !== undefined && chalk.level > 0 && isStyle(sgr)) return sgr;
  return [...match].map(escapeChar).join("");
}

function isStyle(sgr: string): boolean {
  return sgr
    .slice(2, -1)
    .split(";")
    .every((parameter) => STYLE_PARAMETERS.test(parameter));
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
