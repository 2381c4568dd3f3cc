import { visibleLine } from "./untrusted-text.js";

/**
 * Column-aligned text: each column as wide as its widest cell, the last one not padded. Cells hold text
 * from dumps: their control characters are shown as escapes, and a cell is always one line.
 */
export function renderTable(header: readonly string[], cells: readonly (readonly string[])[]): string {
  const rows = cells.map((row) => row.map(visibleLine));
  // A loop, not Math.max(...cells): a spread of 130,000 rows overflows the call stack.
  const widths = header.map((title, column) =>
    rows.reduce((widest, row) => Math.max(widest, visibleLength(row[column] ?? "")), title.length),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : pad(cell, widths[column] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

function pad(cell: string, width: number): string {
  return cell + " ".repeat(Math.max(0, width - visibleLength(cell)));
}

/** Length without ANSI colour codes, so coloured cells line up. */
function visibleLength(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what this strips.
  return text.replace(/\u001b\[[0-9;]*m/g, "").length;
}
