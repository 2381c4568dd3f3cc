import { readCoreSummary } from "../elf/index.js";
import { type ConstructorNamer, constructorSites } from "./constructor-sites.js";
import { CoreMemory } from "./core-memory.js";
import { HeapStrings } from "./heap-strings.js";
import { type HeapObjects, walkHeap } from "./heap-walk.js";
import { histogram, type TypeCount } from "./histogram.js";
import { buildHeapEdges, type HeapScan, weakKinds } from "./live-graph.js";
import type { Dominance, LoadedHeap, RenamedConstructor } from "./loaded-heap.js";
import { MapTable } from "./map-table.js";
import { objectLookup } from "./object-index.js";
import { ObjectNames } from "./object-names.js";
import { ObjectSizer } from "./object-size.js";
import { markLive, nativeRoots, type Reachability, rootRoom } from "./reachability.js";
import { releaseMemory } from "./release-memory.js";
import { computeDominance } from "./retained.js";
import { type Spilled, SpillFile } from "./spill.js";
import { nodeVersionSupport } from "./supported.js";
import { UnsupportedHeapError, V8Constants } from "./v8-constants.js";

/**
 * The machines whose official Node builds share the heap layout the reader walks: 64-bit little-endian,
 * no pointer compression, no sandbox, 256 KiB V8 pages. Every offset and type number comes from the
 * executable's own v8dbg_* symbols, so an arm64 build is read as an x64 one is.
 */
const HEAP_MACHINES = ["x86_64", "aarch64"];

/** Types whose bodies are raw data: their words are never read as pointers. */
const RAW_BODY_TYPES = [
  "FreeSpace",
  "ByteArray",
  "TrustedByteArray",
  "FixedDoubleArray",
  "HeapNumber",
  "BigInt",
  "ExternalPointerArray",
];

export interface LoadHeapOptions {
  /** Also compute dominators and retained sizes (`dominance`), over the mark's graph, which is then let go. */
  graph?: boolean;
  /**
   * With `graph`: also what each group's instances retain together (`dominance.byGroup`, `heap --retained`'s
   * column per type), a walk of the whole dominator tree; true unless false (report's holders need none).
   */
  groupTotals?: boolean;
  /** Names minified constructors as written (source maps): every figure then groups by those names. */
  constructorNames?: ConstructorNamer | undefined;
}

/** Loads the core's V8 heap: Maps, every object of every page, and which of them are live. */
export async function loadHeap(
  corePath: string,
  executablePath: string,
  options: LoadHeapOptions = {},
): Promise<LoadedHeap> {
  const summary = await readCoreSummary(corePath);
  if (!HEAP_MACHINES.includes(summary.machine.name)) {
    throw new UnsupportedHeapError(
      `${corePath} is a ${summary.machine.name} core: coredump heap reads x86_64 and aarch64 cores only`,
    );
  }
  const { version: nodeVersion, verified: verifiedVersion } = nodeVersionSupport(summary.nodeVersion);
  const v8 = await V8Constants.fromExecutable(executablePath);
  const memory = await CoreMemory.load(corePath, summary.mappings);
  const maps = new MapTable(memory, v8);
  const sizer = new ObjectSizer(v8);
  const objects = walkHeap(memory, maps, sizer);
  releaseMemory();
  if (objects.address.length === 0) {
    throw new UnsupportedHeapError(
      `no V8 heap pages found in ${corePath}: is it the core of a Node process?`,
    );
  }
  const rawTypes = new Set(RAW_BODY_TYPES.map((name) => v8.type(name)));
  const isRawBody = (mapIndex: number) => {
    const type = maps.maps[mapIndex]?.instanceType ?? -1;
    return rawTypes.has(type) || sizer.isSeqString(type);
  };
  const freeTypes = new Set([v8.type("FreeSpace"), v8.type("Filler")]);
  const isFree = (mapIndex: number) => freeTypes.has(maps.maps[mapIndex]?.instanceType ?? -1);
  const strings = new HeapStrings(memory, maps, v8);
  const names = new ObjectNames(memory, maps, strings, v8);
  nameTypesByRole(memory, v8, maps, objects, names);
  const renamed = options.constructorNames
    ? await renameConstructors(options.constructorNames, { memory, maps, names, strings, v8 })
    : [];
  const { live, dominance } = markHeap(
    { memory, objects, maps, v8, isRawBody, isFree },
    options.graph ? { names, groupTotals: options.groupTotals !== false } : undefined,
  );
  releaseMemory();
  const notes = [...summary.notes];
  if (objects.oversized > 0) {
    notes.push(
      `${objects.oversized.toLocaleString("en")} object${objects.oversized === 1 ? "" : "s"} of the heap claimed a size past the end of ${objects.oversized === 1 ? "its" : "their"} page: cut where the next object starts (the core was edited or is corrupted)`,
    );
  }
  return {
    nodeVersion,
    verifiedVersion,
    memory,
    v8,
    maps,
    objects,
    live,
    names,
    strings,
    isRawBody,
    notes,
    renamed,
    ...(dominance ? { dominance } : {}),
  };
}

/** Renames the Maps of each constructor a namer names otherwise, before any figure groups by name. */
async function renameConstructors(
  namer: ConstructorNamer,
  heap: Pick<LoadedHeap, "memory" | "maps" | "names" | "strings" | "v8">,
): Promise<RenamedConstructor[]> {
  const sites = constructorSites(heap.memory, heap.maps, heap.names, heap.strings, heap.v8, namer.wants);
  if (sites.length === 0) return [];
  const originals = await namer.name(sites.map(({ site }) => site));
  const renamed: RenamedConstructor[] = [];
  for (const [index, { site, mapIndices }] of sites.entries()) {
    const original = originals[index];
    if (!original || original === site.generated) continue;
    let used = false;
    for (const mapIndex of mapIndices) {
      // A prototype's Map is grouped as Object, whatever its constructor.
      if (heap.names.groupOf(mapIndex) !== site.generated) continue;
      heap.names.rename(mapIndex, original);
      used = true;
    }
    if (used) renamed.push({ generated: site.generated, original, file: site.file });
  }
  return renamed;
}

/**
 * The heap's graph (two passes over the core in address order), then the mark over it, then, given the
 * names of the groups (`forDominance`), the dominator tree over it (retained.ts). While those run, the
 * objects' sizes, which they do not read, wait in a spill file, and their addresses are let go (the lookup's
 * bitmap gives them back); the graph is let go.
 */
function markHeap(
  scan: HeapScan,
  forDominance: { names: ObjectNames; groupTotals: boolean } | undefined,
): { live: Reachability; dominance?: Dominance } {
  const { objects, maps } = scan;
  const keepGraph = forDominance !== undefined;
  const spill = new SpillFile();
  try {
    const parked: Parked = {};
    // In a function of its own: once it returns, no frame holds the graph but the mark's result.
    const live = buildAndMark(scan, keepGraph, spill, parked);
    const { addresses, sizes } = parked as Required<Parked>;
    releaseMemory();
    const dominance = forDominance
      ? computeDominance(
          { objects, live, maps, names: forDominance.names },
          spill,
          sizes,
          forDominance.groupTotals,
        )
      : undefined;
    if (!dominance) objects.size = sizes.restore();
    releaseMemory();
    objects.address = addresses.restore();
    return { live, ...(dominance ? { dominance } : {}) };
  } finally {
    spill.close();
  }
}

/** The objects' addresses, let go now and made again from the lookup's bitmap (no write, no read of a file). */
function addressesFromLookup(objects: HeapObjects): { restore(): Float64Array } {
  const lookup = objectLookup(objects);
  const count = objects.address.length;
  return {
    restore: () => {
      const addresses = new Float64Array(count);
      lookup.forEachStart((index, address) => {
        addresses[index] = address;
      });
      return addresses;
    },
  };
}

interface Parked {
  addresses?: { restore(): Float64Array };
  sizes?: Spilled<Uint32Array>;
}

function buildAndMark(scan: HeapScan, keepGraph: boolean, spill: SpillFile, parked: Parked): Reachability {
  const { memory, objects, maps, v8, isFree } = scan;
  objectLookup(objects);
  const weakKind = weakKinds(objects, maps, memory, v8);
  // The graph's passes and the mark read no addresses (the lookup's bitmap has them), the mark no sizes.
  parked.addresses = addressesFromLookup(objects);
  objects.address = new Float64Array(0);
  releaseMemory();
  const native = nativeRoots(memory, objects, isFree, objects.pages);
  const room = keepGraph ? rootRoom(objects, maps, v8, native) : 0;
  const edges = buildHeapEdges(scan, room, weakKind);
  memory.release();
  parked.sizes = spill.spill(objects.size);
  objects.size = new Uint32Array(0);
  releaseMemory();
  return markLive(objects, maps, v8, native, edges, keepGraph, spill);
}

/**
 * V8 exports no instance type for its hash tables; their role names them: what a global object's
 * properties slot holds is a GlobalDictionary, what a JSMap's or JSSet's table slot holds an
 * OrderedHashMap or OrderedHashSet.
 */
function nameTypesByRole(
  memory: CoreMemory,
  v8: V8Constants,
  maps: MapTable,
  objects: HeapObjects,
  names: ObjectNames,
): void {
  const roles = [
    {
      holder: v8.type("JSGlobalObject"),
      at: v8.field("JSReceiver", "raw_properties_or_hash", 8),
      name: "GlobalDictionary",
    },
    { holder: v8.type("JSMap"), at: 24, name: "OrderedHashMap" },
    { holder: v8.type("JSSet"), at: 24, name: "OrderedHashSet" },
  ];
  for (const role of roles) {
    for (let index = 0; index < objects.address.length; index++) {
      if (maps.maps[objects.map[index] as number]?.instanceType !== role.holder) continue;
      const held = memory.word((objects.address[index] as number) + role.at);
      const mapWord = held !== undefined && held % 2 === 1 ? memory.word(held - 1) : undefined;
      const type = mapWord === undefined ? undefined : maps.maps[maps.indexOfTagged(mapWord)]?.instanceType;
      if (type !== undefined && !v8.typeNames.has(type)) names.inferredTypeNames.set(type, role.name);
      break;
    }
  }
}

export interface HeapSummary {
  nodeVersion: string;
  /** False for a Node major newer than the reader was tested on (`unverified version`). */
  verifiedVersion: boolean;
  /** Live objects: reached from the global objects or from a pointer outside the heap. */
  objects: number;
  bytes: number;
  types: TypeCount[];
  /** Objects the pages still hold that nothing reaches (garbage the last GC had not collected). */
  unreachable: { objects: number; bytes: number };
  /** What of the core could not be read as it claimed (LoadedHeap's notes). */
  notes: string[];
}

export function summarizeHeap(heap: LoadedHeap): HeapSummary {
  const isLive = (index: number) => heap.live.reachedFrom[index] !== 0;
  const types = histogram(heap.objects, (mapIndex) => heap.names.groupOf(mapIndex), isLive);
  let bytes = 0;
  let deadBytes = 0;
  for (let index = 0; index < heap.objects.address.length; index++) {
    if (isLive(index)) bytes += heap.objects.size[index] as number;
    else deadBytes += heap.objects.size[index] as number;
  }
  return {
    nodeVersion: heap.nodeVersion,
    verifiedVersion: heap.verifiedVersion,
    objects: heap.live.live,
    bytes,
    types,
    unreachable: { objects: heap.objects.address.length - heap.live.live, bytes: deadBytes },
    notes: heap.notes,
  };
}
