import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import type { DumpObjects } from "../../src/catalog/group.js";
import { MetadataCache } from "../../src/catalog/metadata-cache.js";
import type { DumpMetadata } from "../../src/catalog/read-metadata.js";

/** Enough rows for a file of more than one piece read (1 MiB). */
const ROWS = 8000;
const home = await mkdtemp(path.join(tmpdir(), "metadata-cache-"));
after(() => rm(home, { recursive: true, force: true }));

const dumpOf = (index: number, etag = `e${index}`): DumpObjects => ({
  folder: "",
  stem: `dump-${index}`,
  zip: { key: `dump-${index}.zip`, size: 100 + index, etag, modified: 0 },
});
const metadataOf = (index: number): DumpMetadata => ({
  state: "ok",
  pod: { namespace: "shop", pod: `cart-${index}\u202e`, labels: {}, annotations: {} },
  containers: [],
  images: index % 3 ? [{ repoTags: [`shop/cart:${index % 3}`], repoDigests: [], container: 0 }] : [],
  problems: index % 2 ? [`pod-info.json: line\nbreak ${index}`] : [],
  crash: { kind: "uncaught-exception", frames: ["handle (cart.js)"], message: `boom ${index % 2}` },
  partial: true,
});

async function cacheFile(directory: string): Promise<string> {
  const [name] = await readdir(path.join(directory, "metadata"));
  assert.ok(name, "the cache was written");
  return path.join(directory, "metadata", name);
}

describe("the metadata cache", () => {
  it("reads back, row for row, what it saved: many rows, written and read in pieces", async () => {
    const directory = path.join(home, "many");
    const cache = new MetadataCache(directory, "s3://bucket");
    for (let index = 0; index < ROWS; index++) cache.set(dumpOf(index), metadataOf(index));
    cache.setReported(dumpOf(7), { kind: "out-of-memory", frames: ["leak (app.js)"] });
    await cache.save();
    const file = await cacheFile(directory);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const text = await readFile(file, "utf8");
    assert.equal(text.split("boom 1").length - 1, 1, "a crash many rows share is written once");
    assert.equal(text.split("shop/cart:2").length - 1, 1, "so are images");
    assert.ok((await stat(file)).size > 1 << 20, "more than one piece read");

    const loaded = new MetadataCache(directory, "s3://bucket");
    await loaded.load();
    for (let index = 0; index < ROWS; index++) assert.deepEqual(loaded.get(dumpOf(index)), metadataOf(index));
    assert.deepEqual(loaded.reported(dumpOf(7)), { kind: "out-of-memory", frames: ["leak (app.js)"] });
    assert.equal(loaded.get(dumpOf(ROWS)), undefined);
    assert.equal(loaded.get(dumpOf(2))?.crash, loaded.get(dumpOf(4))?.crash, "one copy of a crash read");
    assert.equal(loaded.get(dumpOf(1))?.images, loaded.get(dumpOf(4))?.images, "one copy of images read");
    assert.equal(loaded.get(dumpOf(5, "changed")), undefined, "a changed object is read again");
  });

  it("removes the same store's files of earlier formats once it has saved, and no other file", async () => {
    const directory = path.join(home, "formats");
    const cache = new MetadataCache(directory, "s3://bucket");
    cache.set(dumpOf(0), metadataOf(0));
    await cache.save();
    const file = await cacheFile(directory);
    const stem = path.basename(file).replace(/\.v\d+\.jsonl$/, "");
    const older = [`${stem}.v1.json`, `${stem}.v2.json`, `${stem}.v3.jsonl`];
    const others = ["0123456789abcdef0123.v3.jsonl", `${stem}.notes`];
    for (const name of [...older, ...others]) await writeFile(path.join(path.dirname(file), name), "{}");
    cache.set(dumpOf(1), metadataOf(1));
    await cache.save();
    assert.deepEqual((await readdir(path.dirname(file))).sort(), [path.basename(file), ...others].sort());
  });

  it("starts afresh from a file cut short or of another format, and never keeps half of it", async () => {
    const directory = path.join(home, "cut");
    const cache = new MetadataCache(directory, "s3://bucket");
    for (let index = 0; index < 10; index++) cache.set(dumpOf(index), metadataOf(index));
    await cache.save();
    const file = await cacheFile(directory);
    const text = await readFile(file, "utf8");

    for (const broken of [
      text.slice(0, text.length - 5),
      `{"format":2}\n${text.split("\n").slice(1).join("\n")}`,
    ]) {
      await writeFile(file, broken);
      const loaded = new MetadataCache(directory, "s3://bucket");
      await loaded.load();
      assert.equal(loaded.get(dumpOf(0)), undefined);
    }
  });
});
