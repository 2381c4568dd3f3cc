import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { UsageError } from "../../src/errors.js";
import { dueReason } from "../../src/triage/due.js";
import { MemoryBudget } from "../../src/triage/memory.js";
import { type RecordView, readRecord } from "../../src/triage/read-record.js";
import { RecordCache } from "../../src/triage/record-cache.js";
import { dumpName, dumpOfRecordKey, type RecordPlace, recordKey } from "../../src/triage/record-place.js";
import { inShard, parseShard, shardFromEnv } from "../../src/triage/shard.js";
import { TRIAGE_VERSION } from "../../src/triage/version.js";

const place = (base: string, beside = base === ""): RecordPlace => ({
  store: undefined as never,
  base,
  beside,
});

describe("triage's plan", () => {
  it("shards: every uuid in exactly one of N, the same one on every run", () => {
    const ids = Array.from({ length: 3000 }, () => randomUUID());
    const count = 3;
    const owners = ids.map((id) =>
      Array.from({ length: count }, (_, index) => index).filter((index) => inShard(id, { index, count })),
    );
    assert.ok(owners.every((found) => found.length === 1));
    for (let index = 0; index < count; index++) {
      const share = owners.filter((found) => found[0] === index).length;
      assert.ok(share > 800 && share < 1200, `shard ${index}: ${share} of 3000`);
    }
    assert.deepEqual(
      ids.map((id) => inShard(id, { index: 1, count })),
      ids.map((id) => inShard(id, { index: 1, count })),
    );
  });

  it("takes the shard from an Indexed Job's variables, and refuses half of them", () => {
    assert.deepEqual(shardFromEnv({ JOB_COMPLETION_INDEX: "2", JOB_COMPLETIONS: "5" }), {
      index: 2,
      count: 5,
    });
    assert.equal(shardFromEnv({}), undefined);
    assert.throws(() => shardFromEnv({ JOB_COMPLETION_INDEX: "0" }), /JOB_COMPLETIONS is not/);
    assert.throws(() => parseShard("3/3"), UsageError);
    assert.throws(() => parseShard("a/b"), UsageError);
  });

  it("a dump is due without a record, with an older version or ETag, or a failure asked again", () => {
    const view: RecordView = {
      version: TRIAGE_VERSION,
      etag: "e1",
      status: "triaged",
      kind: "abort",
      title: "t",
    };
    const options = { retryFailed: false, memoryBytes: 1000 };
    assert.equal(dueReason("e1", undefined, options), "new");
    assert.equal(dueReason("e1", view, options), undefined);
    assert.equal(dueReason("e2", view, options), "dump replaced");
    assert.equal(dueReason("e1", { ...view, version: TRIAGE_VERSION - 1 }, options), "older version");
    const failed = { ...view, status: "untriageable" as const };
    assert.equal(dueReason("e1", failed, options), undefined);
    assert.equal(dueReason("e1", failed, { ...options, retryFailed: true }), "retry");
    const skipped = { ...view, status: "skipped" as const, needsBytes: 2000 };
    assert.equal(dueReason("e1", skipped, options), undefined);
    assert.equal(dueReason("e1", skipped, { ...options, memoryBytes: 4000 }), "memory now");
  });

  it("admits work while it fits in the memory, in order", async () => {
    const budget = new MemoryBudget(100);
    const order: string[] = [];
    const first = await budget.take(60);
    const second = budget.take(60).then((release) => {
      order.push("second");
      return release;
    });
    const third = budget.take(30).then((release) => {
      order.push("third");
      return release;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(order, []);
    first();
    (await second)();
    (await third)();
    assert.deepEqual(order, ["second", "third"]);
    assert.ok(!budget.fits(101));
  });

  it("derives a record's key from the dump's, under a records folder list never takes, and back", () => {
    const dump = { folder: "cores/shop/", stem: "abc-dump-1-host-node-8-6" };
    for (const base of ["", "records/"]) {
      const key = recordKey(place(base), dump);
      assert.equal(key, `${base}cores/shop/.coredump-triage/abc-dump-1-host-node-8-6.json`);
      assert.equal(dumpOfRecordKey(place(base), key), dumpName(dump));
    }
    assert.equal(dumpOfRecordKey(place(""), "cores/x.coredump-triage/a.json"), undefined);
    assert.equal(dumpOfRecordKey(place(""), ".coredump-triage/.write-probe"), undefined);
  });

  it("reads back only what is a record: a writer of the bucket cannot make list throw", () => {
    const good = {
      format: "coredump-triage",
      version: 1,
      id: "a",
      key: "k",
      etag: "e",
      status: "triaged",
      kind: "abort",
      title: "t",
      signature: "s",
      jsStack: [],
    };
    assert.ok(readRecord(Buffer.from(JSON.stringify(good))));
    for (const bad of [
      "not json",
      "[]",
      JSON.stringify({ ...good, format: "other" }),
      JSON.stringify({ ...good, status: "done" }),
      JSON.stringify({ ...good, kind: 3 }),
      JSON.stringify({ ...good, crash: { kind: "x", frames: "nope" } }),
      JSON.stringify({ ...good, jsStack: {} }),
    ])
      assert.equal(readRecord(Buffer.from(bad)), undefined, bad);
  });
});

describe("triage's record cache", () => {
  it("gives back, on the next run, what a record said while its ETag holds", async () => {
    const cacheDir = await mkdtemp(path.join(tmpdir(), "coredump-record-cache-"));
    const view: RecordView = {
      version: TRIAGE_VERSION,
      etag: "dump-etag",
      status: "triaged",
      kind: "out-of-memory",
      title: "out of memory: most of the heap is Session (node)",
      crash: { kind: "out-of-memory", message: "most of the heap is Session", frames: [] },
    };
    const written = new RecordCache(cacheDir, "s3://bucket/");
    await written.load();
    written.set("a/.coredump-triage/x.json", "record-etag", view);
    await written.save();
    const read = new RecordCache(cacheDir, "s3://bucket/");
    await read.load();
    assert.deepEqual(read.get("a/.coredump-triage/x.json", "record-etag"), view);
    assert.equal(read.get("a/.coredump-triage/x.json", "another-etag"), undefined);
  });
});
