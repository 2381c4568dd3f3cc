type Growable = Float64Array | Int32Array | Uint32Array;

/**
 * 8 Mi values: a block of 32 MiB at least, which malloc always maps on its own and gives back to the
 * system when freed (smaller blocks come from its heap, which keeps them once freed: hundreds of MB of a
 * large heap's walk). Pages of a block never written are never resident.
 */
const BLOCK = 1 << 23;

/**
 * A typed array that grows a block at a time: millions of numbers without an object per entry, and
 * without the doubling's copies (which held the old and the new array at once, up to three times the
 * values' size). `toArray` copies the blocks into one array of the exact length, letting each go.
 */
class GrowableArray<T extends Growable> {
  private readonly blocks: T[] = [];
  private current: T;
  private at = 0;
  length = 0;

  constructor(private readonly make: (length: number) => T) {
    this.current = make(BLOCK);
  }

  push(value: number): void {
    if (this.at === BLOCK) {
      this.blocks.push(this.current);
      this.current = this.make(BLOCK);
      this.at = 0;
    }
    this.current[this.at++] = value;
    this.length++;
  }

  /** Calls `visit` with each value pushed, in order, letting each block go once visited; the builder is spent. */
  drain(visit: (value: number) => void): void {
    for (let index = 0; index < this.blocks.length; index++) {
      const block = this.blocks[index] as T;
      this.blocks[index] = this.make(0);
      for (let at = 0; at < BLOCK; at++) visit(block[at] as number);
    }
    const last = this.current;
    const end = this.at;
    this.blocks.length = 0;
    this.current = this.make(0);
    this.at = 0;
    this.length = 0;
    for (let at = 0; at < end; at++) visit(last[at] as number);
  }

  /**
   * Copies the values pushed into `target` from `offset` on, letting each block go once copied (and
   * calling `released` after each, so that the caller may collect it before the next is copied): for a
   * target larger than the values. The builder is spent.
   */
  moveInto(target: T, offset: number, released: () => void): void {
    if (offset + this.length > target.length) throw new RangeError("moveInto: the target is too short");
    let at = offset;
    for (let index = 0; index < this.blocks.length; index++) {
      target.set(this.blocks[index] as T, at);
      at += BLOCK;
      this.blocks[index] = this.make(0);
      released();
    }
    target.set(this.current.subarray(0, this.at), at);
    this.blocks.length = 0;
    this.current = this.make(0);
    this.at = 0;
    this.length = 0;
  }

  /** The values pushed, in one array of their count; the builder is spent (not to be pushed to again). */
  toArray(): T {
    const all = this.make(this.length);
    let offset = 0;
    for (let index = 0; index < this.blocks.length; index++) {
      all.set(this.blocks[index] as T, offset);
      offset += BLOCK;
      this.blocks[index] = this.make(0);
    }
    all.set(this.current.subarray(0, this.at), offset);
    this.blocks.length = 0;
    this.current = this.make(0);
    this.at = 0;
    this.length = 0;
    return all;
  }
}

export const growableFloat64 = () => new GrowableArray((length) => new Float64Array(length));
export const growableInt32 = () => new GrowableArray((length) => new Int32Array(length));
export const growableUint32 = () => new GrowableArray((length) => new Uint32Array(length));
export type GrowableUint32 = ReturnType<typeof growableUint32>;
