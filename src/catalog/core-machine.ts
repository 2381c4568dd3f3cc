import { constants, gunzipSync, inflateRawSync } from "node:zlib";
import type { RemoteZip } from "../archive/zip-directory.js";
import { DEFLATED, STORED } from "../archive/zip-directory.js";
import { PT_NOTE, parseElfHeader, parseProgramHeaders, programHeaderRange } from "../elf/elf-header.js";
import { NT_FILE, parseNotes } from "../elf/notes.js";
import type { Store, StoredObject } from "../store/store.js";

/** Compressed bytes read from the core's start: its 64-byte ELF header comes out of the first few hundred. */
const HEAD = 4096;
/** Bytes read of a core stored as it is: enough for the notes after a short program header table. */
const STORED_HEAD = 64 << 10;
const ELF_HEADER = 64;

/** What the core's first bytes say: its machine, and whether it lists its file mappings where they reach. */
export interface CoreHead {
  /** `x86_64`, `aarch64`: the ELF header's `e_machine`. */
  machine: string;
  /**
   * Whether the notes hold NT_FILE, where the bytes read reach the end of the notes: false for qemu-user's
   * cores (notes right after a short program header table); unknown (absent) for most kernel cores.
   */
  fileNote?: boolean;
}

/**
 * The machine a dump's core was made on (`x86_64`, `aarch64`: its ELF header's `e_machine`), from one ranged
 * read of the core's first compressed bytes; `undefined` where they cannot be read or are not ELF. For `info`,
 * `fetch` and `report`, not for a listing (one request per dump beyond the listing).
 */
export async function coreMachineInZip(
  store: Store,
  object: StoredObject,
  zip: RemoteZip,
): Promise<CoreHead | undefined> {
  const entry = zip.entries.find((candidate) => candidate.name.endsWith(".core"));
  if (!entry || entry.uncompressedSize === 0) return undefined;
  if (entry.compressionMethod !== DEFLATED && entry.compressionMethod !== STORED) return undefined;
  return quietly(async () => {
    const start = await zip.dataOffset(entry);
    const end = Math.min(
      start + entry.compressedSize,
      start + (entry.compressionMethod === DEFLATED ? HEAD : STORED_HEAD),
    );
    const head = await store.readRange(object.key, start, end);
    return machineOf(entry.compressionMethod === DEFLATED ? inflateRawSync(head, partial) : head);
  });
}

/** The same for a loose core object (`.core.gz`, or a bare `.core`). */
export async function coreMachineOfObject(
  store: Store,
  core: StoredObject,
  gzip: boolean,
): Promise<CoreHead | undefined> {
  if (core.size === 0) return undefined;
  return quietly(async () => {
    const head = await store.readRange(core.key, 0, Math.min(core.size, gzip ? HEAD : STORED_HEAD));
    return machineOf(gzip ? gunzipSync(head, partial) : head);
  });
}

/** A stream cut short is what a ranged read gives: inflate what there is, without asking for its end. */
const partial = { finishFlush: constants.Z_SYNC_FLUSH };

function machineOf(head: Buffer): CoreHead | undefined {
  if (head.length < ELF_HEADER) return undefined;
  const header = parseElfHeader(head.subarray(0, ELF_HEADER), "the core");
  const found: CoreHead = { machine: header.machine.name };
  const table = programHeaderRange(header);
  if (table.end > head.length) return found;
  const notes = parseProgramHeaders(head.subarray(table.start, table.end), header).filter(
    (program) => program.type === PT_NOTE,
  );
  if (notes.length === 0 || notes.some((program) => program.offset + program.filesz > head.length))
    return found;
  found.fileNote = notes.some((program) =>
    parseNotes(head.subarray(program.offset, program.offset + program.filesz), header.littleEndian).some(
      (entry) => entry.name === "CORE" && entry.type === NT_FILE,
    ),
  );
  return found;
}

/** A core whose head cannot be read still has its metadata: the machine is only left unknown. */
async function quietly(read: () => Promise<CoreHead | undefined>): Promise<CoreHead | undefined> {
  try {
    return await read();
  } catch {
    return undefined;
  }
}
