import path from "node:path";
import { UsageError } from "../../errors.js";
import { type LoadedHeap, loadHeap } from "../../heap/index.js";
import { SNAPSHOT_NOTES, writeHeapSnapshot } from "../../heap/snapshot/write-snapshot.js";
import { renamedLine } from "../../report/render-kind.js";
import type { Settings } from "../../settings.js";
import { writeHuman } from "../../ui/untrusted-text.js";
import { openOutput } from "../../workspace/output-file.js";
import { namerForDump } from "../constructor-namer.js";
import { type FetchFlags, prepareDump } from "../prepare-dump.js";
import { requireExecutable } from "../require-executable.js";
import { sourceMapsFolder } from "../source-maps-folder.js";

export interface HeapSnapshotFlags extends FetchFlags {
  json?: boolean;
  output?: string;
  originalNames?: boolean;
  sourceMaps?: string;
}

export async function heapsnapshot(
  id: string | undefined,
  flags: HeapSnapshotFlags,
  settings: Settings,
): Promise<void> {
  if (flags.output === "-" && flags.json)
    throw new UsageError("-o - writes the snapshot to standard output: leave out --json, or give -o a file");
  const say = (message: string) => {
    if (!flags.quiet) writeHuman(process.stderr, `coredump: ${message}\n`);
  };
  // A path given is opened first (the default one lies in the dump's folder): one that cannot be written is said before minutes of fetching.
  const sourceMaps = flags.originalNames
    ? await sourceMapsFolder(flags.sourceMaps ?? settings.sourceMapsDir, flags.sourceMaps)
    : undefined;
  let output = flags.output === undefined ? undefined : await openOutput(flags.output, "-o");
  let heap: LoadedHeap;
  try {
    const prepared = await prepareDump(id, flags, "heapsnapshot", settings);
    const executable = requireExecutable(prepared, "heapsnapshot");
    output ??= await openOutput(path.join(prepared.folder.dir, "core.heapsnapshot"), "--workdir");
    say("reading the V8 heap from the core");
    heap = await loadHeap(prepared.folder.core, executable, {
      constructorNames: flags.originalNames ? namerForDump(prepared, sourceMaps, flags, settings) : undefined,
    });
  } catch (error) {
    await output?.discard();
    throw error;
  }
  let shown = -1;
  const counts = await writeHeapSnapshot(heap, output, (done, total) => {
    const percent = Math.floor((100 * done) / total);
    if (percent >= shown + 10) {
      shown = percent;
      say(`writing the snapshot: ${percent}%`);
    }
  });
  for (const note of [...SNAPSHOT_NOTES.slice(1), ...heap.notes]) say(`note: ${note}`);
  if (heap.renamed.length > 0 && !flags.quiet)
    writeHuman(process.stderr, `coredump: ${renamedLine(heap.renamed)}\n`);
  if (output.toStdout) return;
  process.stdout.write(
    flags.json ? `${JSON.stringify({ path: output.path, ...counts }, null, 2)}\n` : `${output.path}\n`,
  );
}
