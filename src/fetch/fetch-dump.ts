import type { Dump } from "../catalog/dump.js";
import { storedObjectOf } from "../catalog/group.js";
import { parseStem } from "../catalog/key-name.js";
import { type CoreExtent, coreExtent, truncationNote } from "../elf/index.js";
import type { Store } from "../store/store.js";
import type { CompletionRecord, DumpFolder } from "../workspace/dump-folder.js";
import { locateCore } from "./core-source.js";
import { type FetchCoreOptions, fetchCore } from "./fetch-core.js";
import { fetchMetadata } from "./fetch-metadata.js";

export interface FetchedDump {
  record: CompletionRecord;
  /** True when a complete earlier fetch of the same object made this one a no-op. */
  reused: boolean;
  /** Bytes on disk of the core (the rest are holes). */
  written?: number;
}

export interface FetchDumpOptions extends FetchCoreOptions {
  force?: boolean;
  /** Called when another coredump is fetching the same dump and this one waits for it. */
  onWait?: (holder: number) => void;
  /** Called for each metadata file left out or cut short. */
  onNote?: (message: string) => void;
  /** Called once the compressed size is known, before the bytes flow. */
  onStart?: (compressedBytes: number) => void;
}

/**
 * The id that names a dump's working folder: the uuid of its key, which the store guarantees, never the
 * uuid its dump-info claims (a dump of another store could claim any dump's uuid); a key without a uuid
 * gives its name stem.
 */
export function folderIdOf(dump: Dump): string {
  return parseStem(dump.stem).uuid ?? dump.stem;
}

/** Puts the dump's core and metadata into its folder, or finds them there already from the same object. */
export async function fetchDump(
  store: Store,
  dump: Dump,
  folder: DumpFolder,
  options: FetchDumpOptions = {},
): Promise<FetchedDump> {
  await folder.make();
  const reused = options.force ? undefined : await reusable(store, folder, dump);
  if (reused) {
    noteTruncation(reused.record, options);
    return reused;
  }
  const release = await folder.lock({
    ...(options.onWait ? { onWait: (holder) => options.onWait?.(holder.pid) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  try {
    // Another coredump may have finished it while this one waited.
    return (
      (options.force ? undefined : await reusable(store, folder, dump)) ??
      (await fetchAfresh(store, dump, folder, options))
    );
  } finally {
    await release();
  }
}

/**
 * A complete earlier fetch of the same object of the same store, touched as used now. A record of another
 * store or key (two folder stores can hold one key name, with the same size and mtime) is not reused.
 */
async function reusable(store: Store, folder: DumpFolder, dump: Dump): Promise<FetchedDump | undefined> {
  const stored = storedObjectOf(dump.objects);
  const previous = await folder.completed();
  if (
    !previous ||
    !stored ||
    previous.store !== store.description ||
    previous.key !== stored.key ||
    previous.etag !== stored.etag ||
    previous.storedSize !== stored.size
  )
    return undefined;
  await folder.touch();
  return { record: previous, reused: true };
}

async function fetchAfresh(
  store: Store,
  dump: Dump,
  folder: DumpFolder,
  options: FetchDumpOptions,
): Promise<FetchedDump> {
  const source = await locateCore(store, dump);
  await folder.prepare();
  await folder.reset();
  const { files, notes } = await fetchMetadata(store, dump, source, folder);
  for (const note of notes) options.onNote?.(note);
  options.onStart?.(source.end - source.start);
  const core = await fetchCore(store, source, folder.core, folder.partial(folder.core), options);
  const record: CompletionRecord = {
    id: dump.id,
    key: source.object.key,
    store: store.description,
    etag: source.object.etag,
    storedSize: source.object.size,
    coreSize: core.size,
    ...(core.crc32 !== undefined ? { crc32: core.crc32 } : {}),
    ...expectedSizeOf(await coreExtent(folder.core)),
    files: ["core", ...files],
    fetchedAt: new Date().toISOString(),
  };
  await folder.complete(record);
  noteTruncation(record, options);
  return { record, reused: false, written: core.written };
}

function expectedSizeOf(extent: CoreExtent | undefined): { expectedSize?: number } {
  return extent && extent.expected > extent.size ? { expectedSize: extent.expected } : {};
}

function noteTruncation(record: CompletionRecord, options: FetchDumpOptions): void {
  const note =
    record.expectedSize === undefined
      ? undefined
      : truncationNote({ size: record.coreSize, expected: record.expectedSize });
  if (note) options.onNote?.(note);
}
