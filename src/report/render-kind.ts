import { renderTable } from "../ui/table.js";
import { style } from "../ui/untrusted-text.js";
import type { Report } from "./report.js";

const MIB = 1024 * 1024;
/** Holders of a path shown for each object that holds the memory, from the object outwards. */
const HOLDER_STEPS = 8;
/** Renamed constructors listed in a human report. */
const RENAMED_SHOWN = 8;

/** The headline: what kind of death, and what said so. */
export function kindLine(report: Report): string {
  const signs = report.kindSigns.map((sign) => `${sign.source}: ${sign.says}`).join("; ");
  return `  died of    ${style.bold(report.kind)}${signs ? style.dim(` (${signs})`) : ""}`;
}

/** Out of memory: the limit, the use, what holds the memory, the largest constructors and their retainers. */
export function heapLines(heap: NonNullable<Report["heap"]>): string {
  const figures = [
    heap.limitBytes === undefined ? undefined : `limit ${megabytes(heap.limitBytes)}`,
    heap.usedBytes === undefined
      ? undefined
      : `${megabytes(heap.usedBytes)} in use after the last collection`,
  ].filter(Boolean);
  const lines = [style.bold(`Heap${figures.length > 0 ? `: ${figures.join(", ")}` : ""}`)];
  if (heap.holders?.length) {
    lines.push("  what holds the memory (retained: freed with the object; share of the live heap):");
    for (const holder of heap.holders) {
      const share = `${(100 * holder.share).toFixed(1)}%`;
      lines.push(
        `    ${megabytes(holder.retained).padStart(10)} ${share.padStart(6)}  ${[holder.name, ...holder.path.slice(0, HOLDER_STEPS).map((step) => `${step.edge} ← ${step.name}`), ...(holder.path.length > HOLDER_STEPS ? ["…"] : [])].join(" ← ")}`,
      );
    }
  }
  if (heap.top.length === 0) lines.push("  (the heap could not be read: no constructors to show)");
  else {
    const rows = heap.top.map((type) => [`  ${type.name}`, String(type.count), megabytes(type.bytes)]);
    lines.push(renderTable(["  constructor", "count", "bytes"], rows));
  }
  if (heap.renamed?.length) lines.push(style.dim(`  ${renamedLine(heap.renamed)}`));
  for (const note of heap.notes ?? []) lines.push(style.yellow(`  note: ${note}`));
  for (const retainer of heap.retainers ?? []) {
    lines.push(
      `  ${retainer.name} ← ${retainer.path.map((step) => `${step.edge} ← ${step.name}`).join(" ← ")}`,
    );
  }
  return lines.join("\n");
}

/** Which constructors are shown by their names in the source, and what V8 calls them. */
export function renamedLine(
  renamed: ReadonlyArray<{ generated: string; original: string; file: string }>,
): string {
  const names = renamed
    .slice(0, RENAMED_SHOWN)
    .map(({ generated, original, file }) => `${original} (${generated} in ${file})`);
  const more = renamed.length > RENAMED_SHOWN ? ` and ${renamed.length - RENAMED_SHOWN} more (--json)` : "";
  return `named as the source declares them (source maps): ${names.join(", ")}${more}`;
}

export function fatalLine(fatal: NonNullable<Report["fatal"]>): string {
  return `${style.bold.red(fatal.message)}  ${style.dim(`(from the ${fatal.source})`)}`;
}

/**
 * `61.9 MiB`, or `28.6 KiB` below one: binary units, as V8 counts its heap (`--max-old-space-size=64` is
 * 64 MiB) and labelled so, beside `heap`'s decimal MB (formatSize).
 */
function megabytes(bytes: number): string {
  return bytes < MIB ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / MIB).toFixed(1)} MiB`;
}

export function faultLine(fault: NonNullable<Report["fault"]>): string {
  const where = `${fault.library}${fault.function ? ` (${fault.function})` : ""}`;
  const address = fault.address === undefined ? "" : ` touching ${fault.address}`;
  return `${style.bold.red(`${fault.signal}${address} in ${where}`)}${fault.note ? style.dim(`  (${fault.note})`) : ""}`;
}
