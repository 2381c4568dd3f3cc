import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BlockCache } from "../../src/archive/block-cache.js";

describe("BlockCache", () => {
  it("serves reads from aligned blocks, fetching runs of missing blocks once", async () => {
    const data = Buffer.from(Array.from({ length: 1000 }, (_, index) => index % 251));
    const requests: Array<[number, number]> = [];
    const cache = new BlockCache(
      async (start, end) => {
        requests.push([start, end]);
        return data.subarray(start, end);
      },
      data.length,
      100,
    );
    assert.deepEqual(await cache.read(950, 1000), data.subarray(950, 1000));
    assert.deepEqual(await cache.read(120, 330), data.subarray(120, 330));
    assert.deepEqual(await cache.read(150, 160), data.subarray(150, 160));
    assert.deepEqual(await cache.read(990, 2000), data.subarray(990, 1000));
    assert.deepEqual(requests, [
      [900, 1000],
      [100, 400],
    ]);
  });
});
