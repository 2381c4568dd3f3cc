import type { HeapObjects } from "./heap-walk.js";

/** 256 KiB slices of the address space, as V8 aligns its chunks: 32,768 words, 1,024 bitmap words. */
const SLICE_SHIFT = 18;
const BITMAP_WORDS = 1024;
/** 2⁻¹⁸: a multiplication by it is exact, and cheaper than a division. */
const PER_SLICE = 1 / 2 ** SLICE_SHIFT;
const SLICE_BYTES = 2 ** SLICE_SHIFT;
const TWO_32 = 2 ** 32;
/** x64 user space is below 2⁴⁷: the high word of an address is below 2¹⁵, and a slice number fits a small integer. */
const MAX_HIGH = 1 << 15;

/**
 * From an address to the snapshot position of the live object that starts there, in constant time: a
 * bitmap of live object starts per 256 KiB slice (one bit per 8-byte word), with the position of each
 * slice's first live object and a running count per bitmap word. The position is the rank of the object
 * among the live ones in address order, the order of the snapshot's nodes. About 6 KiB per slice that holds
 * a live object (2.3 % of the heap), instead of a binary search over every object per pointer.
 */
export class LiveLookup {
  /** Open-addressed hash from slice number to slot; keys -1 where empty. */
  private readonly keys: Int32Array;
  private readonly slots: Int32Array;
  private readonly mask: number;
  private readonly shift: number;
  private readonly bits: Uint32Array;
  private readonly before: Uint16Array;
  private readonly first: Int32Array;
  /** Per slot, its slice number: slots are in address order. */
  private readonly sliceOfSlot: Int32Array;
  /** Live objects, the snapshot's object nodes. */
  readonly count: number;

  /** `isLive(index)` in address order over `objects`. */
  constructor(objects: HeapObjects, isLive: (index: number) => boolean) {
    const addresses = objects.address;
    const total = addresses.length;
    let slices = 0;
    let last = -1;
    for (let index = 0; index < total; index++) {
      if (!isLive(index)) continue;
      const slice = Math.floor((addresses[index] as number) * PER_SLICE);
      if (slice !== last) slices++;
      last = slice;
    }
    let size = 16;
    while (size < slices * 2) size *= 2;
    this.mask = size - 1;
    this.shift = 32 - Math.log2(size);
    this.keys = new Int32Array(size).fill(-1);
    this.slots = new Int32Array(size);
    this.bits = new Uint32Array(slices * BITMAP_WORDS);
    this.before = new Uint16Array(slices * BITMAP_WORDS);
    this.first = new Int32Array(slices);
    this.sliceOfSlot = new Int32Array(slices);
    const sliceOfSlot = this.sliceOfSlot;
    const keys = this.keys;
    const slots = this.slots;
    const bits = this.bits;
    const before = this.before;
    const first = this.first;
    const mask = this.mask;
    const shift = this.shift;
    let slot = -1;
    let position = 0;
    last = -1;
    for (let index = 0; index < total; index++) {
      if (!isLive(index)) continue;
      const address = addresses[index] as number;
      const slice = Math.floor(address * PER_SLICE);
      if (slice !== last) {
        slot++;
        let at = Math.imul(slice, 0x9e3779b1) >>> shift;
        while (keys[at] !== -1) at = (at + 1) & mask;
        keys[at] = slice;
        slots[at] = slot;
        first[slot] = position;
        sliceOfSlot[slot] = slice;
        last = slice;
      }
      const word = (address - slice * SLICE_BYTES) * 0.125;
      const bitAt = slot * BITMAP_WORDS + (word >>> 5);
      bits[bitAt] = (bits[bitAt] as number) | (1 << (word & 31));
      position++;
    }
    this.count = position;
    for (let word = 0, end = slices * BITMAP_WORDS, running = 0; word < end; word++) {
      if (word % BITMAP_WORDS === 0) running = 0;
      before[word] = running;
      running += popcount(bits[word] as number);
    }
  }

  /** The position of the live object at the address `low - 1 + high · 2³²` (a tagged pointer's two halves), or -1. */
  ofTagged(low: number, high: number): number {
    const address = low - 1;
    if ((address & 7) !== 0 || high >= MAX_HIGH) return -1;
    const slice = high * 16384 + (address >>> SLICE_SHIFT);
    let at = Math.imul(slice, 0x9e3779b1) >>> this.shift;
    const keys = this.keys;
    for (;;) {
      const key = keys[at] as number;
      if (key === slice) break;
      if (key === -1) return -1;
      at = (at + 1) & this.mask;
    }
    const slot = this.slots[at] as number;
    const word = (address & ((1 << SLICE_SHIFT) - 1)) >>> 3;
    const bitAt = slot * BITMAP_WORDS + (word >>> 5);
    const bits = this.bits[bitAt] as number;
    const bit = word & 31;
    if (((bits >>> bit) & 1) === 0) return -1;
    return (this.first[slot] as number) + (this.before[bitAt] as number) + popcount(bits & ((1 << bit) - 1));
  }

  /**
   * Calls `visit` with each object's position and address, in address order, from the bitmap alone: a
   * walk over every object needs no array of their addresses.
   */
  forEachStart(visit: (position: number, address: number) => void): void {
    const bits = this.bits;
    let position = 0;
    for (let slot = 0; slot < this.sliceOfSlot.length; slot++) {
      const base = (this.sliceOfSlot[slot] as number) * SLICE_BYTES;
      for (let word = 0; word < BITMAP_WORDS; word++) {
        let left = bits[slot * BITMAP_WORDS + word] as number;
        while (left !== 0) {
          const lowest = left & -left;
          visit(position++, base + (word * 32 + 31 - Math.clz32(lowest)) * 8);
          left ^= lowest;
        }
      }
    }
  }

  /** The position of the live object at `address` (untagged), or -1. */
  of(address: number): number {
    const high = Math.floor(address / TWO_32);
    return this.ofTagged(address - high * TWO_32 + 1, high);
  }
}

function popcount(value: number): number {
  let bits = value - ((value >>> 1) & 0x55555555);
  bits = (bits & 0x33333333) + ((bits >>> 2) & 0x33333333);
  return (Math.imul((bits + (bits >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) as number;
}
