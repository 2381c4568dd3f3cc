import type { CoreMemory } from "./core-memory.js";
import type { HeapStrings } from "./heap-strings.js";
import type { HeapObjects } from "./heap-walk.js";
import type { MapTable } from "./map-table.js";
import type { ObjectNames } from "./object-names.js";
import type { Reachability } from "./reachability.js";
import type { SpilledEntries } from "./spill.js";
import type { V8Constants } from "./v8-constants.js";

/** A heap read out of a core: what the verbs, and report on an out-of-memory core, start from. */
export interface LoadedHeap {
  nodeVersion: string;
  /** False for a Node major newer than the reader was tested on: read all the same, and labelled. */
  verifiedVersion: boolean;
  memory: CoreMemory;
  v8: V8Constants;
  maps: MapTable;
  objects: HeapObjects;
  live: Reachability;
  names: ObjectNames;
  strings: HeapStrings;
  /** Whether the objects of a Map hold raw data (never read as pointers). */
  isRawBody: (mapIndex: number) => boolean;
  /** What of the core could not be read as it claimed, in words (empty for a core as Linux writes it). */
  notes: string[];
  /** With `{ graph: true }`: dominators and retained sizes (retained.ts). */
  dominance?: Dominance;
  /** With `constructorNames`: the constructors it renamed. */
  renamed: RenamedConstructor[];
}

/** A constructor named otherwise than V8 names it: `e` of `bundle/server.mjs` is `Session`. */
export interface RenamedConstructor {
  generated: string;
  original: string;
  file: string;
}

/** The heap's dominator tree, which loadHeap({ graph: true }) computes as soon as the mark has its graph. */
export interface Dominance {
  /** Immediate dominator per object (-1: none), read an entry at a time from a spill file: few are asked for. */
  idom: SpilledEntries;
  /** Retained bytes / 8 per object (V8's sizes are multiples of 8): 4 bytes per object, for heaps to 32 GiB. */
  retainedWords: Uint32Array;
  root: number;
  /** Per group: what its instances retain together (empty when loaded with `groupTotals: false`). */
  byGroup: Map<string, number>;
}
