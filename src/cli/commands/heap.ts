import { UsageError } from "../../errors.js";
import { readHeap } from "../../heap/index.js";
import type { Settings } from "../../settings.js";
import { formatSize } from "../../ui/format.js";
import { renderTable } from "../../ui/table.js";
import { jsonText, visibleLine, writeHuman } from "../../ui/untrusted-text.js";
import { type FetchFlags, prepareDump } from "../prepare-dump.js";
import { requireExecutable } from "../require-executable.js";

export interface HeapFlags extends FetchFlags {
  json?: boolean;
  top?: string;
  retainers?: string;
}

const DEFAULT_TOP = 20;

export async function heap(id: string | undefined, flags: HeapFlags, settings: Settings): Promise<void> {
  const top = flags.top === undefined ? undefined : Number(flags.top);
  if (top !== undefined && (!Number.isInteger(top) || top < 1)) {
    throw new UsageError(`--top takes a whole number of types, at least 1, not ${flags.top}`);
  }
  const prepared = await prepareDump(id, flags, "heap", settings);
  const executable = requireExecutable(prepared, "heap");
  if (!flags.quiet) process.stderr.write("coredump: reading the V8 heap from the core\n");
  const reading = await readHeap(prepared.folder.core, executable, {
    ...(flags.json ? (top === undefined ? {} : { top }) : { top: top ?? DEFAULT_TOP }),
    ...(flags.retainers ? { retainersOf: [flags.retainers] } : {}),
  });
  for (const note of reading.notes) process.stderr.write(`coredump: note: ${note}\n`);
  const retainers = flags.retainers ? (reading.retainers?.[flags.retainers] ?? []) : undefined;
  if (flags.json) {
    const { retainers: _all, ...rest } = reading;
    const result = { id: prepared.dump.id, ...rest, ...(retainers ? { retainers } : {}) };
    process.stdout.write(jsonText(result));
    return;
  }
  const lines = [
    `Node ${reading.nodeVersion}${reading.verifiedVersion ? "" : " (unverified version: newer than any the reader is tested on)"}: ${reading.objects.toLocaleString("en")} live objects, ${formatSize(reading.bytes)}` +
      ` (${reading.unreachable.objects.toLocaleString("en")} unreachable objects, ${formatSize(reading.unreachable.bytes)}, not counted)`,
    "",
    renderTable(
      ["TYPE", "COUNT", "BYTES"],
      reading.types.map((type) => [
        visibleLine(type.name),
        type.count.toLocaleString("en"),
        formatSize(type.bytes),
      ]),
    ),
  ];
  if (retainers) {
    lines.push("", `Retainers of ${visibleLine(flags.retainers ?? "")}:`);
    if (retainers.length === 0) lines.push("  no live object of that type");
    for (const [index, path] of retainers.entries()) lines.push(`  ${index + 1}. ${retainerLine(path.path)}`);
  }
  writeHuman(process.stdout, `${lines.join("\n")}\n`);
}

/**
 * A path as `report` prints an out-of-memory's retainers: the object first, then each edge and what holds
 * it, out to the root (`Session ← value ← Map ← sessions ← global`). JSON keeps the root first.
 */
function retainerLine(steps: ReadonlyArray<{ name: string; edge: string }>): string {
  const parts = [visibleLine(steps.at(-1)?.name ?? "")];
  for (let index = steps.length - 1; index > 0; index--)
    parts.push(visibleLine(steps[index]?.edge ?? ""), visibleLine(steps[index - 1]?.name ?? ""));
  return parts.join(" ← ");
}
