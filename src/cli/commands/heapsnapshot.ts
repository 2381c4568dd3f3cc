import path from "node:path";
import { loadHeap } from "../../heap/index.js";
import { SNAPSHOT_NOTES, writeHeapSnapshot } from "../../heap/snapshot/write-snapshot.js";
import type { Settings } from "../../settings.js";
import { type FetchFlags, prepareDump } from "../prepare-dump.js";
import { requireExecutable } from "../require-executable.js";

export interface HeapSnapshotFlags extends FetchFlags {
  json?: boolean;
  output?: string;
}

export async function heapsnapshot(
  id: string | undefined,
  flags: HeapSnapshotFlags,
  settings: Settings,
): Promise<void> {
  const prepared = await prepareDump(id, flags, "heapsnapshot", settings);
  const executable = requireExecutable(prepared, "heapsnapshot");
  const say = (message: string) => {
    if (!flags.quiet) process.stderr.write(`coredump: ${message}\n`);
  };
  say("reading the V8 heap from the core");
  const heap = await loadHeap(prepared.folder.core, executable);
  const target = path.resolve(flags.output ?? path.join(prepared.folder.dir, "core.heapsnapshot"));
  let shown = -1;
  const counts = await writeHeapSnapshot(heap, target, (done, total) => {
    const percent = Math.floor((100 * done) / total);
    if (percent >= shown + 10) {
      shown = percent;
      say(`writing the snapshot: ${percent}%`);
    }
  });
  for (const note of [...SNAPSHOT_NOTES.slice(1), ...heap.notes]) say(`note: ${note}`);
  process.stdout.write(
    flags.json ? `${JSON.stringify({ path: target, ...counts }, null, 2)}\n` : `${target}\n`,
  );
}
