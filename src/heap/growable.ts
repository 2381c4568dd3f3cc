type Growable = Float64Array | Int32Array;

/** A typed array that grows by doubling: millions of numbers without an object per entry. */
class GrowableArray<T extends Growable> {
  private data: T;
  length = 0;

  constructor(private readonly make: (length: number) => T) {
    this.data = make(1 << 16);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  /** The values pushed, trimmed to their count (a copy, so that the spare capacity is freed). */
  toArray(): T {
    return this.data.slice(0, this.length) as T;
  }
}

export const growableFloat64 = () => new GrowableArray((length) => new Float64Array(length));
export const growableInt32 = () => new GrowableArray((length) => new Int32Array(length));
