import { unstyled, visibleLine } from "./untrusted-text.js";

/**
 * Column-aligned text: each column as wide as its widest cell, the last one not padded. Cells hold text
 * from dumps: their control characters are shown as escapes, and a cell is always one line. Cells may be
 * styled with `style`; the table is then printed through `writeHuman`.
 */
export function renderTable(header: readonly string[], cells: readonly (readonly string[])[]): string {
  const rows = [header, ...cells.map((row) => row.map(visibleLine))];
  // Each cell measured once: a listing of 10,000 dumps has 80,000 of them.
  const lengths = rows.map((row) => row.map(visibleLength));
  // A loop, not Math.max(...cells): a spread of 130,000 rows overflows the call stack.
  const widths = header.map((_, column) =>
    lengths.reduce((widest, row) => Math.max(widest, row[column] ?? 0), 0),
  );
  const line = (row: readonly string[], index: number) =>
    row
      .map((cell, column) =>
        column === row.length - 1
          ? cell
          : cell + " ".repeat(Math.max(0, (widths[column] ?? 0) - (lengths[index]?.[column] ?? 0))),
      )
      .join("  ")
      .trimEnd();
  return rows.map(line).join("\n");
}

/** Length without coredump's style marks (see `style`), so styled cells line up. */
function visibleLength(text: string): number {
  return unstyled(text).length;
}
