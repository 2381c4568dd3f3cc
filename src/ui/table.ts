import { unstyled, visibleLine } from "./untrusted-text.js";

/**
 * Column-aligned text: each column as wide as its widest cell, the last one not padded. Cells hold text
 * from dumps: their control characters are shown as escapes, and a cell is always one line. Cells may be
 * styled with `style`; the table is then printed through `writeHuman`. Given the terminal's `width`, the
 * widest columns but the first (the id a user copies) are narrowed until a row fits, their cells clipped
 * with … rather than wrapped mid-word by the terminal.
 */
export function renderTable(
  header: readonly string[],
  cells: readonly (readonly string[])[],
  width?: number,
): string {
  let rows = [header, ...cells.map((row) => row.map(visibleLine))];
  // Each cell measured once: a listing of 10,000 dumps has 80,000 of them.
  let lengths = rows.map((row) => row.map(visibleLength));
  // A loop, not Math.max(...cells): a spread of 130,000 rows overflows the call stack.
  const widths = header.map((_, column) =>
    lengths.reduce((widest, row) => Math.max(widest, row[column] ?? 0), 0),
  );
  if (width !== undefined && narrow(widths, header, width)) {
    rows = rows.map((row) => row.map((cell, column) => clip(cell, widths[column] ?? 0)));
    lengths = rows.map((row) => row.map(visibleLength));
  }
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

/** Narrows `widths` in place until a row fits in `width`; whether any column was narrowed. */
function narrow(widths: number[], header: readonly string[], width: number): boolean {
  const gaps = 2 * (widths.length - 1);
  let excess = widths.reduce((sum, each) => sum + each, 0) + gaps - width;
  let narrowed = false;
  while (excess > 0) {
    let widest = -1;
    for (let column = 1; column < widths.length; column++) {
      const least = Math.max(3, header[column]?.length ?? 0);
      if ((widths[column] ?? 0) > least && (widest < 0 || (widths[column] ?? 0) > (widths[widest] ?? 0)))
        widest = column;
    }
    if (widest < 0) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
    excess--;
    narrowed = true;
  }
  return narrowed;
}

/** A cell cut to `width` with … at the end; a styled one that must be cut loses its style. */
function clip(cell: string, width: number): string {
  if (visibleLength(cell) <= width) return cell;
  return `${unstyled(cell).slice(0, Math.max(0, width - 1))}…`;
}

/** Length without coredump's style marks (see `style`), so styled cells line up. */
function visibleLength(text: string): number {
  return unstyled(text).length;
}

/** The width to fit a table in: a terminal's columns; none for a pipe or a file, which do not wrap. */
export function terminalWidth(stream: NodeJS.WriteStream): number | undefined {
  return stream.isTTY && stream.columns > 0 ? stream.columns : undefined;
}
