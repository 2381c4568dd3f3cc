import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { SpillFile } from "../../src/heap/spill.js";

describe("SpillFile", () => {
  it("gives back each array as it was, and leaves nothing in the temporary directory", async () => {
    const directory = await mkdtemp(path.join(tmpdir(), "coredump-spill-test-"));
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = directory;
    try {
      const spill = new SpillFile();
      const floats = Float64Array.from({ length: 100_000 }, (_, i) => i * 1.5 + 2 ** 40);
      const ints = Int32Array.from({ length: 3 }, (_, i) => -i);
      const bytes = Uint8Array.from({ length: 1_000_001 }, (_, i) => i % 251);
      const empty = new Uint32Array(0);
      const view = new Uint32Array(new Uint32Array([9, 8, 7, 6]).buffer, 4, 2);
      const spilled = [floats, ints, bytes, empty, view].map((array) => ({
        array,
        aside: spill.spill(array),
      }));
      assert.equal(spill.size, floats.byteLength + ints.byteLength + bytes.byteLength + view.byteLength);
      // The file has no name from the start: nothing to find, nothing left behind however the process ends.
      assert.deepEqual(await readdir(directory), []);
      for (const { array, aside } of spilled.reverse()) {
        const back = aside.restore();
        assert.equal(back.constructor, array.constructor);
        assert.deepEqual(Array.from(back), Array.from(array));
        assert.throws(() => aside.restore(), /restored twice/);
      }
      const tree = Int32Array.from({ length: 10_000 }, (_, i) => i - 1);
      const entries = spill.spillForReads(tree);
      spill.close();
      // Read an entry at a time, the file open until the reader goes.
      assert.equal(entries.length, tree.length);
      for (const index of [0, 1, 5_000, 9_999]) assert.equal(entries.at(index), tree[index]);
      assert.equal(entries.at(10_000), -1);
      assert.equal(entries.at(-1), -1);
      assert.deepEqual(await readdir(directory), []);
    } finally {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
      await rm(directory, { recursive: true, force: true });
    }
  });
});
