import { constants, gunzipSync, inflateRawSync } from "node:zlib";
import type { RemoteZip } from "../archive/zip-directory.js";
import { DEFLATED, STORED } from "../archive/zip-directory.js";
import { parseElfHeader } from "../elf/elf-header.js";
import type { Store, StoredObject } from "../store/store.js";

/** Compressed bytes read from the core's start: its 64-byte ELF header comes out of the first few hundred. */
const HEAD = 4096;
const ELF_HEADER = 64;

/**
 * The machine a dump's core was made on (`x86_64`, `aarch64`: its ELF header's `e_machine`), from one ranged
 * read of the core's first compressed bytes; `undefined` where they cannot be read or are not ELF. For `info`,
 * `fetch` and `report`, not for a listing (one request per dump beyond the listing).
 */
export async function coreMachineInZip(
  store: Store,
  object: StoredObject,
  zip: RemoteZip,
): Promise<string | undefined> {
  const entry = zip.entries.find((candidate) => candidate.name.endsWith(".core"));
  if (!entry || entry.uncompressedSize === 0) return undefined;
  if (entry.compressionMethod !== DEFLATED && entry.compressionMethod !== STORED) return undefined;
  return quietly(async () => {
    const start = await zip.dataOffset(entry);
    const end = Math.min(start + entry.compressedSize, start + HEAD);
    const head = await store.readRange(object.key, start, end);
    return machineOf(entry.compressionMethod === DEFLATED ? inflateRawSync(head, partial) : head);
  });
}

/** The same for a loose core object (`.core.gz`, or a bare `.core`). */
export async function coreMachineOfObject(
  store: Store,
  core: StoredObject,
  gzip: boolean,
): Promise<string | undefined> {
  if (core.size === 0) return undefined;
  return quietly(async () => {
    const head = await store.readRange(core.key, 0, Math.min(core.size, HEAD));
    return machineOf(gzip ? gunzipSync(head, partial) : head);
  });
}

/** A stream cut short is what a ranged read gives: inflate what there is, without asking for its end. */
const partial = { finishFlush: constants.Z_SYNC_FLUSH };

function machineOf(head: Buffer): string | undefined {
  if (head.length < ELF_HEADER) return undefined;
  return parseElfHeader(head.subarray(0, ELF_HEADER), "the core").machine.name;
}

/** A core whose head cannot be read still has its metadata: the machine is only left unknown. */
async function quietly(read: () => Promise<string | undefined>): Promise<string | undefined> {
  try {
    return await read();
  } catch {
    return undefined;
  }
}
