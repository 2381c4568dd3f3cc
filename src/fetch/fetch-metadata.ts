import { mkdir } from "node:fs/promises";
import path from "node:path";
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
  const files = source.zip ? await zipFiles(source) : await looseFiles(store, dump);
  for (const [name, bytes] of files) {
    const target = folder.file(name);
    await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    await writeFileAtomic(target, bytes);
  }
  return files.map(([name]) => name);
}

async function zipFiles(source: CoreSource): Promise<Array<[string, Buffer]>> {
  const zip = source.zip;
  if (!zip) return [];
  const entries = zip.entries.filter((entry) => entry.name !== source.entryName && !entry.name.endsWith("/"));
  const unsafe = entries.find((entry) => entry.isSymlink);
  if (unsafe)
    throw new UnsafeNameError(`zip entry "${unsafe.name}" is a symbolic link: refusing this archive`);
  const stem = (source.entryName ?? "").replace(/\.core$/, "");
  const names = shortNames(
    entries.map((entry) => entry.name),
    stem,
  );
  return Promise.all(
    entries.map(async (entry, index) => [names[index] as string, await zip.readEntry(entry)]),
  );
}

async function looseFiles(store: Store, dump: Dump): Promise<Array<[string, Buffer]>> {
  const { dumpInfo, imageInfo, runtimeInfo, legacyInfo } = dump.objects;
  const wanted: Array<[string, StoredObject | undefined]> = [
    ["dump-info.json", dumpInfo],
    ["image-info.json", imageInfo],
    ["runtime-info.json", runtimeInfo ?? legacyInfo],
  ];
  const present = wanted.filter((pair): pair is [string, StoredObject] => pair[1] !== undefined);
  return Promise.all(present.map(async ([name, object]) => [name, await store.read(object.key)]));
}
