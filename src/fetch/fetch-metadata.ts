import type { RemoteZip, ZipEntry } from "../archive/zip-directory.js";
import type { Dump } from "../catalog/dump.js";
import type { Store, StoredObject } from "../store/store.js";
import { formatSize } from "../ui/format.js";
import { writeFileAtomic } from "../workspace/atomic-write.js";
import type { DumpFolder } from "../workspace/dump-folder.js";
import { isReservedName, nameTooLong, shortNames, UnsafeNameError } from "../workspace/entry-names.js";
import type { CoreSource } from "./core-source.js";

/**
 * A metadata file larger than this is not written: JSON, /proc files and the like are kilobytes, and the
 * dump's author decides what an entry inflates to (a 6.6 MB zip can hold a 5 GiB "log").
 */
export const METADATA_CAP = 16 * 1024 * 1024;
/** Of a container log, only this much of its end is kept, however long the log: its tail is what tells. */
export const LOG_TAIL = 8 * 1024 * 1024;
/**
 * All of a dump's metadata files together stop here: a pod of many containers keeps its logs' tails, and
 * a zip of thousands of entries of 16 MiB each (each 16 KB deflated) cannot fill the disk.
 */
export const METADATA_TOTAL_CAP = 128 * 1024 * 1024;

export interface FetchedMetadata {
  /** Short names of the files written into the dump's folder. */
  files: string[];
  /** What was left out or cut, one line each: `0.log: 5.4 GB, kept its last 8.4 MB`. */
  notes: string[];
}

/**
 * Writes every metadata file of the dump into its folder under short, stable names (`dump-info.json`,
 * `0-image-info.json`, `0.log`, `0-proc/maps` …). One at a time, and never more than a cap of any one in
 * memory, whatever the archive holds or claims.
 */
export async function fetchMetadata(
  store: Store,
  dump: Dump,
  source: CoreSource,
  folder: DumpFolder,
): Promise<FetchedMetadata> {
  const notes: string[] = [];
  const files = source.zip
    ? zipFiles(source.zip, source.entryName, folder.dir, notes)
    : looseFiles(store, dump, notes);
  const written: string[] = [];
  let total = 0;
  for (const [name, size, load] of files) {
    if (total + size > METADATA_TOTAL_CAP) {
      notes.push(
        `${name} left out: the dump's metadata files would pass ${formatSize(METADATA_TOTAL_CAP)} in all`,
      );
      continue;
    }
    const bytes = await load();
    if (bytes === undefined) continue;
    await writeFileAtomic(folder.file(name), bytes);
    total += bytes.length;
    written.push(name);
  }
  return { files: written, notes };
}

/**
 * A file's short name, the most it will write, and how to read its bytes when its turn comes (undefined:
 * left out).
 */
type PendingFile = [string, number, () => Promise<Buffer | undefined>];

function zipFiles(
  zip: RemoteZip,
  coreEntryName: string | undefined,
  dir: string,
  notes: string[],
): PendingFile[] {
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
  return entries.flatMap((entry, index): PendingFile[] => {
    const name = names[index] as string;
    if (isReservedName(name)) {
      notes.push(
        `zip entry ${entry.name} left in the archive: "${name}" is a name coredump keeps for itself`,
      );
      return [];
    }
    const tooLong = nameTooLong(dir, name);
    if (tooLong) {
      notes.push(`zip entry ${shortened(name)} left in the archive: ${tooLong}`);
      return [];
    }
    const size = /\.log$/.test(name) ? Math.min(entry.uncompressedSize, LOG_TAIL) : entry.uncompressedSize;
    return [[name, size > METADATA_CAP ? 0 : size, () => readZipEntry(zip, entry, name, notes)]];
  });
}

async function readZipEntry(
  zip: RemoteZip,
  entry: ZipEntry,
  name: string,
  notes: string[],
): Promise<Buffer | undefined> {
  if (/\.log$/.test(name) && entry.uncompressedSize > LOG_TAIL) {
    const tail = await zip.readEntryTail(entry, LOG_TAIL);
    const bytes = fromLineStart(tail.bytes, tail.total);
    notes.push(`${name}: ${formatSize(tail.total)}, kept its last ${formatSize(bytes.length)}`);
    return bytes;
  }
  if (entry.uncompressedSize > METADATA_CAP) {
    notes.push(tooLarge(name, entry.uncompressedSize));
    return undefined;
  }
  return zip.readEntry(entry);
}

function looseFiles(store: Store, dump: Dump, notes: string[]): PendingFile[] {
  const { dumpInfo, imageInfo, runtimeInfo, legacyInfo } = dump.objects;
  const wanted: Array<[string, StoredObject | undefined]> = [
    ["dump-info.json", dumpInfo],
    ["image-info.json", imageInfo],
    ["runtime-info.json", runtimeInfo ?? legacyInfo],
  ];
  const present = wanted.filter((pair): pair is [string, StoredObject] => pair[1] !== undefined);
  return present.map(
    ([name, object]): PendingFile => [
      name,
      object.size > METADATA_CAP ? 0 : object.size,
      async () => {
        if (object.size <= METADATA_CAP) return store.read(object.key);
        notes.push(tooLarge(name, object.size));
        return undefined;
      },
    ],
  );
}

function tooLarge(name: string, size: number): string {
  return `${name} left out: ${formatSize(size)}, more than metadata ever is (${formatSize(METADATA_CAP)})`;
}

/** A name of any length, shown in a note: its start and end. */
function shortened(name: string): string {
  return name.length <= 100 ? name : `${name.slice(0, 60)}…${name.slice(-30)}`;
}

/** A cut log starts at its first whole line. */
function fromLineStart(tail: Buffer, total: number): Buffer {
  if (tail.length === total) return tail;
  const newline = tail.indexOf(0x0a);
  return newline < 0 ? tail : tail.subarray(newline + 1);
}
