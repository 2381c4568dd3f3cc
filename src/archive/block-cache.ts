/** Reads bytes [start, end) of one object. */
export type RangeReader = (start: number, end: number) => Promise<Buffer>;

/**
 * Serves many small reads of one remote object from a few aligned ranged reads: parsing a zip's
 * directory asks for dozens of tiny pieces, mostly near each other, which would otherwise each be a
 * request. Adjacent missing blocks are fetched in one request.
 */
export class BlockCache {
  private readonly blocks = new Map<number, Promise<Buffer>>();

  constructor(
    private readonly readRange: RangeReader,
    private readonly size: number,
    private readonly blockSize = 64 * 1024,
  ) {}

  async read(start: number, end: number): Promise<Buffer> {
    const last = Math.min(end, this.size);
    if (last <= start) return Buffer.alloc(0);
    const first = Math.floor(start / this.blockSize);
    const final = Math.floor((last - 1) / this.blockSize);
    this.fetchMissing(first, final);
    const parts = await Promise.all(
      range(first, final).map((index) => this.blocks.get(index) as Promise<Buffer>),
    );
    // One block (a small zip, a header): its bytes as they are, not a copy of the whole block per read.
    const joined = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    const offset = start - first * this.blockSize;
    return joined.subarray(offset, offset + (last - start));
  }

  private fetchMissing(first: number, final: number): void {
    let runStart: number | undefined;
    for (let index = first; index <= final + 1; index++) {
      const missing = index <= final && !this.blocks.has(index);
      if (missing && runStart === undefined) runStart = index;
      if (!missing && runStart !== undefined) {
        this.fetchRun(runStart, index - 1);
        runStart = undefined;
      }
    }
  }

  private fetchRun(first: number, final: number): void {
    const start = first * this.blockSize;
    const whole = this.readRange(start, Math.min((final + 1) * this.blockSize, this.size));
    for (const index of range(first, final)) {
      const offset = (index - first) * this.blockSize;
      this.blocks.set(
        index,
        whole.then((bytes) => bytes.subarray(offset, offset + this.blockSize)),
      );
    }
  }
}

function range(first: number, final: number): number[] {
  return Array.from({ length: final - first + 1 }, (_, index) => first + index);
}
