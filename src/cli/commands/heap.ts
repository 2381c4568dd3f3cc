import { UsageError } from "../../errors.js";
import { readHeap } from "../../heap/index.js";
import { renamedLine } from "../../report/render-kind.js";
import type { Settings } from "../../settings.js";
import { formatSize } from "../../ui/format.js";
import { renderTable } from "../../ui/table.js";
import { jsonText, visibleLine, writeHuman } from "../../ui/untrusted-text.js";
import { namerForDump } from "../constructor-namer.js";
import { type FetchFlags, prepareDump } from "../prepare-dump.js";
import { requireExecutable } from "../require-executable.js";
import { sourceMapsFolder } from "../source-maps-folder.js";

export interface HeapFlags extends FetchFlags {
  json?: boolean;
  top?: string;
  retainers?: string;
  retained?: boolean;
  sourceMaps?: string;
}

const DEFAULT_TOP = 20;
/** Objects that retain the most, listed by --retained. */
const RETAINING = 10;
/** Holders shown of a path in the human output, from the object outwards. */
const PATH_STEPS = 8;

export async function heap(id: string | undefined, flags: HeapFlags, settings: Settings): Promise<void> {
  const top = flags.top === undefined ? undefined : Number(flags.top);
  if (top !== undefined && (!Number.isInteger(top) || top < 1)) {
    throw new UsageError(`--top takes a whole number of types, at least 1, not ${flags.top}`);
  }
  const sourceMaps = await sourceMapsFolder(flags.sourceMaps ?? settings.sourceMapsDir, flags.sourceMaps);
  const prepared = await prepareDump(id, flags, "heap", settings);
  const executable = requireExecutable(prepared, "heap");
  if (!flags.quiet) {
    process.stderr.write(
      `coredump: reading the V8 heap from the core${flags.retained ? ", then its dominators and retained sizes" : ""}\n`,
    );
  }
  const constructorNames = namerForDump(prepared, sourceMaps, flags, settings);
  const reading = await readHeap(prepared.folder.core, executable, {
    constructorNames,
    ...(flags.json ? (top === undefined ? {} : { top }) : { top: top ?? DEFAULT_TOP }),
    ...(flags.retainers ? { retainersOf: [flags.retainers] } : {}),
    ...(flags.retained ? { retained: RETAINING } : {}),
  });
  for (const note of reading.notes) writeHuman(process.stderr, `coredump: note: ${note}\n`);
  if (reading.renamed && !flags.json)
    writeHuman(process.stderr, `coredump: ${renamedLine(reading.renamed)}\n`);
  const retainers = flags.retainers ? (reading.retainers?.[flags.retainers] ?? []) : undefined;
  if (flags.json) {
    const { retainers: _all, ...rest } = reading;
    const result = { id: prepared.dump.id, ...rest, ...(retainers ? { retainers } : {}) };
    process.stdout.write(jsonText(result));
    return;
  }
  const share = (part: number) => `${((100 * part) / Math.max(1, reading.bytes)).toFixed(1)}%`;
  const lines = [
    `Node ${reading.nodeVersion}${reading.verifiedVersion ? "" : " (unverified version: newer than any the reader is tested on)"}: ${reading.objects.toLocaleString("en")} live objects, ${formatSize(reading.bytes)}` +
      ` (${reading.unreachable.objects.toLocaleString("en")} unreachable objects, ${formatSize(reading.unreachable.bytes)}, not counted)`,
    "",
  ];
  if (reading.retaining) {
    lines.push(
      `What holds the memory (RETAINED: freed if the object went; SHARE: of the ${formatSize(reading.bytes)} live):`,
      renderTable(
        ["RETAINED", "SHARE", "SELF", "OBJECT ← HOW IT IS HELD ← BY WHAT, OUT TO A ROOT"],
        reading.retaining.map((object) => [
          formatSize(object.retained),
          share(object.retained),
          formatSize(object.self),
          retainerLine(object.path, PATH_STEPS),
        ]),
      ),
      "",
    );
  }
  const withRetained = reading.types.some((type) => type.retained !== undefined);
  lines.push(
    renderTable(
      ["TYPE", "COUNT", "BYTES", ...(withRetained ? ["RETAINED"] : [])],
      reading.types.map((type) => [
        visibleLine(type.name),
        type.count.toLocaleString("en"),
        formatSize(type.bytes),
        ...(withRetained ? [formatSize(type.retained ?? 0)] : []),
      ]),
    ),
  );
  if (retainers) {
    lines.push(
      "",
      `Retainers of ${visibleLine(flags.retainers ?? "")}${withRetained ? ", the instances that retain the most first" : ""}:`,
    );
    if (retainers.length === 0) lines.push("  no live object of that type");
    for (const [index, path] of retainers.entries()) {
      const size =
        path.retained === undefined ? "" : `retains ${formatSize(path.retained)} (${share(path.retained)}): `;
      lines.push(`  ${index + 1}. ${size}${retainerLine(path.path)}`);
    }
  }
  writeHuman(process.stdout, `${lines.join("\n")}\n`);
}

/**
 * A path as `report` prints an out-of-memory's retainers: the object first, then each edge and what holds
 * it, out to the root (`Session ← value ← Map ← sessions ← global`), the first `steps` holders if given.
 * JSON keeps the root first.
 */
function retainerLine(steps: ReadonlyArray<{ name: string; edge: string }>, limit = Infinity): string {
  const parts = [visibleLine(steps.at(-1)?.name ?? "")];
  let shown = 0;
  for (let index = steps.length - 1; index > 0; index--) {
    if (shown++ === limit) {
      parts.push("…");
      break;
    }
    parts.push(visibleLine(steps[index]?.edge ?? ""), visibleLine(steps[index - 1]?.name ?? ""));
  }
  return parts.join(" ← ");
}
