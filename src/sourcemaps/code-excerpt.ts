/** Some lines of a source around a position, a caret under its column: what a reader looks at first. */
export interface CodeExcerpt {
  /** The source shown (`/app/src/users.ts`). */
  file: string;
  line: number;
  column: number;
  /** Where the text came from: the map's `sourcesContent`, the image, the build folder, the core. */
  from: string;
  /** The lines, each clipped to the same window around the column when the position's line is long. */
  lines: Array<{ line: number; text: string }>;
  /** The caret's column (from 1) in the clipped text. */
  caret: number;
}

const BEFORE = 2;
const AFTER = 1;
/** Lines longer than this (a minified bundle's one line) show a window of it around the column. */
const WIDTH = 120;
const LEFT = 40;

/**
 * The excerpt of `text` at `line`:`column` (from 1), or undefined where the text has no such line. Pure.
 */
export function codeExcerpt(
  text: string,
  at: { file: string; line: number; column: number; from: string },
): CodeExcerpt | undefined {
  const all = text.split(/\r?\n/);
  const target = all[at.line - 1];
  if (target === undefined || at.line < 1) return undefined;
  const first = Math.max(1, at.line - BEFORE);
  const last = Math.min(all.length, at.line + AFTER);
  const column = Math.max(1, Math.min(at.column, target.length + 1));
  const start = target.length > WIDTH ? Math.max(0, column - 1 - LEFT) : 0;
  const clip = (line: string) => {
    if (start === 0 && line.length <= WIDTH) return line;
    const piece = line.slice(start, start + WIDTH);
    return `${start > 0 ? "…" : ""}${piece}${line.length > start + WIDTH ? "…" : ""}`;
  };
  const lines: CodeExcerpt["lines"] = [];
  for (let number = first; number <= last; number++) {
    const line = all[number - 1] ?? "";
    // Blank lines after the position say nothing.
    if (number > at.line && line.trim() === "") break;
    lines.push({ line: number, text: clip(line) });
  }
  return { ...at, lines, caret: column - start + (start > 0 ? 1 : 0) };
}
