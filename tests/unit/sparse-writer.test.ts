import assert from "node:assert/strict";
import { mkdtemp, open, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, it } from "node:test";
import { SparseWriter } from "../../src/workspace/sparse-writer.js";

async function writeSparse(chunks: Buffer[]): Promise<{ file: string; writer: SparseWriter }> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), "sparse-")), "out");
  const handle = await open(file, "w");
  const writer = new SparseWriter(handle);
  await pipeline(Readable.from(chunks), writer);
  await handle.close();
  return { file, writer };
}

describe("SparseWriter", () => {
  it("writes identical bytes, leaving zero blocks as holes, whatever the chunk boundaries", async () => {
    const mb = 1024 * 1024;
    const data = Buffer.alloc(8 * mb);
    data.fill(7, 100, 5000); // straddles the first block boundary
    data.fill(9, 3 * mb, 3 * mb + 10);
    data[8 * mb - 1] = 1; // the very last byte
    const chunks = [data.subarray(0, 1000), data.subarray(1000, 3 * mb + 3), data.subarray(3 * mb + 3)];
    const { file, writer } = await writeSparse(chunks);
    assert.deepEqual(await readFile(file), data);
    assert.equal(writer.written, 4 * 4096, "two blocks at the start, one in the middle, one at the end");
    const info = await stat(file);
    assert.equal(info.size, data.length);
    assert.ok(info.blocks * 512 <= 64 * 1024, `${info.blocks * 512} bytes on disk`);
  });

  it("keeps trailing zeros as length, not as written bytes", async () => {
    const { file, writer } = await writeSparse([Buffer.from("abc"), Buffer.alloc(100_000)]);
    assert.equal((await stat(file)).size, 100_003);
    assert.equal(writer.written, 4096);
    const bytes = await readFile(file);
    assert.equal(bytes.subarray(0, 3).toString(), "abc");
    assert.ok(bytes.subarray(3).every((byte) => byte === 0));
  });
});
