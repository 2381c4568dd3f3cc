import type { StoredObject } from "../store/store.js";
import { type ClassifiedKey, type Compression, classifyKey, type ObjectRole } from "./key-name.js";

/** The objects that make up one dump, as found in a listing. */
export interface DumpObjects {
  folder: string;
  stem: string;
  core?: StoredObject & { compression: Compression };
  zip?: StoredObject;
  dumpInfo?: StoredObject;
  imageInfo?: StoredObject;
  runtimeInfo?: StoredObject;
  legacyInfo?: StoredObject;
}

const FIELD: Record<Exclude<ObjectRole, "core">, keyof Omit<DumpObjects, "folder" | "stem" | "core">> = {
  zip: "zip",
  "dump-info": "dumpInfo",
  "image-info": "imageInfo",
  "runtime-info": "runtimeInfo",
  "legacy-info": "legacyInfo",
};

/**
 * Groups a listing into dumps: objects sharing a folder and a name stem belong together. Objects that
 * belong to no dump (a README, a stray file) are left out. A `.json` only counts as the 2020 runtime
 * file when a core of the same stem exists, so arbitrary JSON in the bucket makes no phantom dumps.
 */
export function groupObjects(objects: readonly StoredObject[]): DumpObjects[] {
  const dumps = new Map<string, DumpObjects>();
  const legacy: Array<[ClassifiedKey, StoredObject]> = [];
  for (const object of objects) {
    const name = classifyKey(object.key);
    if (!name) continue;
    if (name.role === "legacy-info") {
      legacy.push([name, object]);
      continue;
    }
    const dump = dumpFor(dumps, name);
    if (name.role === "core") {
      // A bare `.core` and a `.core.gz` of one dump: keep the compressed one, the handler's choice.
      if (!dump.core || dump.core.compression === "none")
        dump.core = { ...object, compression: name.compression ?? "none" };
    } else {
      dump[FIELD[name.role]] = object;
    }
  }
  for (const [name, object] of legacy) {
    const dump = dumps.get(name.folder + name.stem);
    if (dump) dump.legacyInfo = object;
  }
  return [...dumps.values()];
}

function dumpFor(dumps: Map<string, DumpObjects>, name: ClassifiedKey): DumpObjects {
  const id = name.folder + name.stem;
  let dump = dumps.get(id);
  if (!dump) {
    dump = { folder: name.folder, stem: name.stem };
    dumps.set(id, dump);
  }
  return dump;
}

/** The object that holds the dump's core: the zip, else the core object. */
export function storedObjectOf(dump: DumpObjects): StoredObject | undefined {
  return dump.zip ?? dump.core;
}

/** Every key of a dump, for `--json` and for messages. */
export function keysOf(dump: DumpObjects): string[] {
  return [dump.zip, dump.core, dump.dumpInfo, dump.imageInfo, dump.runtimeInfo, dump.legacyInfo]
    .filter((object): object is StoredObject => object !== undefined)
    .map((object) => object.key);
}
