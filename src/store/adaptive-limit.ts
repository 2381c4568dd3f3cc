/**
 * How many requests a store is given at once, adapting as TCP's window does: one more per window of
 * successes, half as many each time the store says it is overloaded (S3's 503 SlowDown, a 429). S3 serves
 * thousands at once, so it starts high; a small or busy store pushes it down within a few answers.
 */
export class AdaptiveLimit {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private window: number;

  constructor(
    initial: number,
    private readonly most: number,
    private readonly least = 2,
  ) {
    this.window = initial;
  }

  /** The requests allowed in flight now. */
  get current(): number {
    return Math.floor(this.window);
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    // A waiter is woken with its slot already taken for it.
    if (this.active >= this.current) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    try {
      return await work();
    } finally {
      this.active -= 1;
      this.wake();
    }
  }

  /** An answer that was not a throttle. */
  succeeded(): void {
    this.window = Math.min(this.most, this.window + 1 / this.window);
    this.wake();
  }

  /** The store said it is overloaded: halve, as often as it says so. */
  throttled(): void {
    this.window = Math.max(this.least, this.window / 2);
  }

  private wake(): void {
    while (this.waiting.length > 0 && this.active < this.current) {
      this.active += 1;
      (this.waiting.shift() as () => void)();
    }
  }
}
