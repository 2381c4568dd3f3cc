import type { CoreMemory } from "./core-memory.js";
import { MAP_HEAD_BYTES, type V8Constants } from "./v8-constants.js";

/** What the walk needs of one V8 Map (the hidden class, not the JS collection). */
export interface MapInfo {
  address: number;
  instanceType: number;
  /** Bytes; 0 for variable-size types, whose size comes from the object's own fields. */
  instanceSize: number;
  /** First in-object property slot, in words (JS objects only). */
  inobjectStart: number;
  bitField3: number;
}

/** Addresses found not to be Maps, remembered up to this many (then forgotten, and checked again). */
const MAX_REMEMBERED_NON_MAPS = 1 << 20;
/** Slots of the cache of map words in front of `byAddress` (direct-mapped, by the word's low bits). */
const WORD_CACHE_SLOTS = 1 << 12;

/**
 * The Maps of the heap by address, with their fields decoded once. A Map is found when first asked
 * for: an address holds a Map when its own map word points at a meta map, the Map whose map word points
 * at itself and whose instance type is MAP_TYPE (one per native context, one in read-only space). Asked
 * of the words the walk meets, this needs no scan of the whole core for Maps first (two passes over
 * every word, which took longer than the walk itself on a 1 GB heap).
 */
export class MapTable {
  readonly byAddress = new Map<number, number>();
  readonly maps: MapInfo[] = [];
  private readonly notMaps = new Set<number>();
  private readonly metaMaps = new Set<number>();
  private readonly fields: { size: number; type: number; start: number; bitField3: number };
  private readonly mapType: number;
  // A heap has a few thousand Maps and millions of objects: the walk asks of each object's map word, and a
  // cache of typed arrays answers most of them without hashing a 64-bit number (-2: an empty slot).
  private readonly cachedLow = new Int32Array(WORD_CACHE_SLOTS);
  private readonly cachedHigh = new Int32Array(WORD_CACHE_SLOTS);
  private readonly cachedIndex = new Int32Array(WORD_CACHE_SLOTS).fill(-2);

  constructor(
    private readonly memory: CoreMemory,
    v8: V8Constants,
    addresses: Iterable<number> = [],
  ) {
    this.fields = {
      size: v8.field("Map", "instance_size_in_words"),
      type: v8.field("Map", "instance_type"),
      start: v8.field("Map", "inobject_properties_start_or_constructor_function_index"),
      bitField3: v8.field("Map", "bit_field3"),
    };
    this.mapType = v8.type("Map");
    for (const address of [...addresses].sort((a, b) => a - b)) this.add(address);
  }

  /** The index of the Map a tagged map word points at, or -1 when it points at none. */
  indexOfTagged(word: number): number {
    const known = this.byAddress.get(word - 1);
    if (known !== undefined) return known;
    if ((word & 3) !== 1 || word < 1) return -1;
    return this.discover(word - 1);
  }

  /**
   * indexOfTagged of the word `low + high · 2³²` (its two 32-bit halves, as a segment holds them), through
   * the cache. The core does not change while it is read, so that an answer, -1 included, holds for good.
   */
  indexOfWords(low: number, high: number): number {
    const slot = (low >>> 3) & (WORD_CACHE_SLOTS - 1);
    if (this.cachedLow[slot] === (low | 0) && this.cachedHigh[slot] === (high | 0)) {
      const cached = this.cachedIndex[slot] as number;
      if (cached !== -2) return cached;
    }
    const index = this.indexOfTagged(low + high * 2 ** 32);
    this.cachedLow[slot] = low;
    this.cachedHigh[slot] = high;
    this.cachedIndex[slot] = index;
    return index;
  }

  /** Whether a Map starts at `address` (untagged). */
  isMapAddress(address: number): boolean {
    return this.byAddress.has(address) || this.discover(address) >= 0;
  }

  private discover(address: number): number {
    if (this.notMaps.has(address)) return -1;
    const mapWord = this.memory.word(address);
    const index =
      mapWord !== undefined && (mapWord & 3) === 1 && this.isMetaMap(mapWord - 1) ? this.add(address) : -1;
    if (index < 0) {
      if (this.notMaps.size >= MAX_REMEMBERED_NON_MAPS) this.notMaps.clear();
      this.notMaps.add(address);
    }
    return index;
  }

  private isMetaMap(address: number): boolean {
    if (this.metaMaps.has(address)) return true;
    if (this.memory.word(address) !== address + 1) return false;
    if (instanceTypeAt(this.memory, address, this.fields.type) !== this.mapType) return false;
    this.metaMaps.add(address);
    return true;
  }

  private add(address: number): number {
    const known = this.byAddress.get(address);
    if (known !== undefined) return known;
    const head = this.memory.bytes(address, MAP_HEAD_BYTES);
    if (!head) return -1;
    const index = this.maps.length;
    this.byAddress.set(address, index);
    this.maps.push({
      address,
      instanceType: head.readUInt16LE(this.fields.type),
      instanceSize: (head[this.fields.size] as number) * 8,
      inobjectStart: head[this.fields.start] as number,
      bitField3: head.readUInt32LE(this.fields.bitField3),
    });
    return index;
  }
}

/** The instance type a Map at `map` describes (the 16 bits at `typeOffset`), or undefined outside the core. */
export function instanceTypeAt(memory: CoreMemory, map: number, typeOffset: number): number | undefined {
  const segment = memory.segmentOf(map + typeOffset);
  if (!segment) return undefined;
  const byte = map + typeOffset - segment.start;
  const word = segment.words[byte >>> 2] as number;
  return (byte & 2) === 0 ? word & 0xffff : word >>> 16;
}
