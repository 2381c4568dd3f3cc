import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, it } from "node:test";
import { crc32 } from "node:zlib";
import { readInChunks } from "../../src/archive/chunked-read.js";
import { CorruptArchiveError, CrcCheck } from "../../src/archive/decompress.js";

const data = Buffer.from(Array.from({ length: 100_000 }, (_, index) => (index * 7) % 256));

/** Serves ranges of `data` as a stream that fails after `breakAfter` bytes on the first `failures` opens. */
function source(failures: number, breakAfter: number) {
  const opens: Array<[number, number]> = [];
  const open = async (start: number, end: number) => {
    opens.push([start, end]);
    const bytes = data.subarray(start, end);
    if (opens.length > failures) return Readable.from([bytes.subarray(0, 5000), bytes.subarray(5000)]);
    return new Readable({
      read() {
        this.push(bytes.subarray(0, breakAfter));
        this.destroy(new Error("connection reset"));
      },
    });
  };
  return { open, opens };
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

describe("readInChunks", () => {
  it("yields the bytes in order from several ranged reads", async () => {
    const { open, opens } = source(0, 0);
    assert.deepEqual(
      await collect(readInChunks(open, 10, 90_000, { chunkSize: 16_384, parallel: 3 })),
      data.subarray(10, 90_000),
    );
    assert.equal(opens.length, Math.ceil(89_990 / 16_384));
  });

  it("resumes a broken read from its last byte", async () => {
    const { open, opens } = source(1, 3000);
    const retries: number[] = [];
    const read = readInChunks(open, 0, data.length, {
      chunkSize: 60_000,
      parallel: 1,
      onRetry: (_e, _a, offset) => retries.push(offset),
    });
    assert.deepEqual(await collect(read), data);
    assert.deepEqual(retries, [3000]);
    assert.deepEqual(opens[1], [3000, 60_000]);
  });

  it("gives up after its retries, and at once on a permanent failure", async () => {
    await assert.rejects(
      collect(readInChunks(source(99, 10).open, 0, 1000, { retries: 2 })),
      /connection reset/,
    );
    const denied = new Error("denied");
    const { opens } = source(0, 0);
    const open = async () => {
      opens.push([0, 0]);
      throw denied;
    };
    await assert.rejects(
      collect(readInChunks(open, 0, 1000, { isPermanent: (error) => error === denied })),
      /denied/,
    );
    assert.equal(opens.length, 1);
  });
});

describe("CrcCheck", () => {
  it("passes matching bytes and rejects a wrong CRC or size", async () => {
    const check = () => new CrcCheck({ crc: crc32(data), size: data.length, what: "core" });
    await pipeline(Readable.from([data]), check(), async function* (source) {
      for await (const _ of source) yield* [];
    });
    const altered = Buffer.from(data);
    altered[500] = (altered[500] ?? 0) ^ 1;
    await assert.rejects(
      pipeline(Readable.from([altered]), check(), async function* (source) {
        for await (const _ of source) yield* [];
      }),
      CorruptArchiveError,
    );
    await assert.rejects(
      pipeline(Readable.from([data.subarray(1)]), check(), async function* (source) {
        for await (const _ of source) yield* [];
      }),
      /truncated/,
    );
  });
});
