import type { RemoteZip } from "../archive/zip-directory.js";
import type { Dump } from "../catalog/dump.js";
import type { Store, StoredObject } from "../store/store.js";
import { writeFileAtomic } from "../workspace/atomic-write.js";
import type { DumpFolder } from "../workspace/dump-folder.js";
import { shortNames, UnsafeNameError } from "../workspace/entry-names.js";
import type { CoreSource } from "./core-source.js";

/**
 * Writes every metadata file of the dump into its folder under short, stable names (`dump-info.json`,
 * `0-image-info.json`, `0.log`, `0-proc/maps` …) and returns those names.
 */
export async function fetchMetadata(
  store: Store,
  dump: Dump,
  source: CoreSource,
  folder: DumpFolder,
): Promise<string[]> {
  const files = source.zip ? zipFiles(source.zip, source.entryName) : looseFiles(store, dump);
  // One at a time: only one file's bytes are in memory at once, whatever the archive holds.
  for (const [name, load] of files) await writeFileAtomic(folder.file(name), await load());
  return files.map(([name]) => name);
}

/** A file's short name, and how to read its bytes when its turn comes. */
type PendingFile = [string, () => Promise<Buffer>];

function zipFiles(zip: RemoteZip, coreEntryName: string | undefined): PendingFile[] {
  // Another core-sized entry is not metadata: it is left in the archive.
  const entries = zip.entries.filter((entry) => !entry.name.endsWith("/") && !entry.name.endsWith(".core"));
  const unsafe = entries.find((entry) => entry.isSymlink);
  if (unsafe)
    throw new UnsafeNameError(`zip entry "${unsafe.name}" is a symbolic link: refusing this archive`);
  const stem = (coreEntryName ?? "").replace(/\.core$/, "");
  const names = shortNames(
    entries.map((entry) => entry.name),
    stem,
  );
  return entries.map((entry, index): PendingFile => [names[index] as string, () => zip.readEntry(entry)]);
}

function looseFiles(store: Store, dump: Dump): PendingFile[] {
  const { dumpInfo, imageInfo, runtimeInfo, legacyInfo } = dump.objects;
  const wanted: Array<[string, StoredObject | undefined]> = [
    ["dump-info.json", dumpInfo],
    ["image-info.json", imageInfo],
    ["runtime-info.json", runtimeInfo ?? legacyInfo],
  ];
  const present = wanted.filter((pair): pair is [string, StoredObject] => pair[1] !== undefined);
  return present.map(([name, object]): PendingFile => [name, () => store.read(object.key)]);
}
