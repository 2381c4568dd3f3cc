/**
 * Issue 25, the heap: a string whose length was set to 2^31-1 (#9), and a node binary of the core's
 * build-id whose V8 constants were edited (#17). The core is the real heap core of a real crashing Node
 * process (tests/support/heap-core.ts), edited by tests/support/hostile-core.ts; what is expected of it is
 * what the app printed (its Session and Order counts).
 */
import assert from "node:assert/strict";
import { copyFile, mkdtemp, open, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { readHeap } from "../../src/heap/index.js";
import { json } from "../support/cli.js";
import { HEAP_APP_CLASSES } from "../support/heap-core.js";
import {
  countOf,
  type HeapJson,
  type HostileStore,
  hostileStore,
  onHostileDump,
  snapshotSays,
  symbolOffset,
} from "../support/hostile-core.js";

let store: HostileStore;
let scratch: string;
before(async () => {
  store = await hostileStore(["longString"]);
  scratch = await mkdtemp(path.join(tmpdir(), "coredump-hostile-heap-"));
});
after(async () => {
  await store.remove();
  await rm(scratch, { recursive: true, force: true });
});

describe("hostile-core #9: a string's length set to 2^31-1", () => {
  // One object more than the unedited core claims past its page: a real core can hold a few such already
  // (memory a collection left behind where the next object was not yet written).
  let note: RegExp;
  before(async () => {
    const base = await pastPageEnd(store.heap.core, store.heap.node);
    const count = base + 1;
    note = new RegExp(
      `\\b${count} objects? of the heap claimed a size past the end of ${count === 1 ? "its" : "their"} page`,
    );
  });

  it("heap cuts it at the next object, counts every object after it, and says so", async () => {
    const result = await onHostileDump(store, "heap", "longString", ["--binary", store.heap.node, "--json"]);
    assert.equal(result.exitCode, 0, result.stderr);
    const heap = json<HeapJson>(result);
    assert.equal(countOf(heap, HEAP_APP_CLASSES.sessions), store.heap.sessions);
    assert.equal(countOf(heap, HEAP_APP_CLASSES.orders), store.heap.orders);
    const coreSize = (await stat(store.heap.core)).size;
    assert.ok(heap.bytes < coreSize, `${heap.bytes} bytes of heap in a core of ${coreSize}`);
    assert.ok(
      heap.notes.some((line) => note.test(line)),
      heap.notes.join("\n"),
    );
  });

  it("heapsnapshot writes the note into the snapshot", async () => {
    await snapshotSays(store, "longString", scratch, note);
  });
});

describe("hostile-core #17: the node binary's v8dbg_* constants edited, its build-id kept", () => {
  const SYMBOL = "v8dbg_class_Map__bit_field3__int";

  it("heap fails in one line that names the constant, without a stack trace", async () => {
    const edited = path.join(scratch, "node");
    await copyFile(store.heap.node, edited);
    const file = await open(edited, "r+");
    const value = Buffer.alloc(4);
    value.writeInt32LE(0x7fffffff);
    await file.write(value, 0, 4, await symbolOffset(edited, SYMBOL));
    await file.close();
    const result = await onHostileDump(store, "heap", "longString", [
      "--binary",
      edited,
      "--json",
      "--quiet",
    ]);
    assert.equal(result.exitCode, 1, result.stderr);
    assert.equal(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`${SYMBOL} = 2147483647, outside 0 to 20`));
    assert.doesNotMatch(result.stderr, /RangeError|\n\s+at /);
  });
});

/** How many objects of a core's heap claim a size past their page, as the reader notes them. */
async function pastPageEnd(core: string, node: string): Promise<number> {
  const { notes } = await readHeap(core, node, {});
  for (const line of notes ?? []) {
    const match = /^(\d+) objects? of the heap claimed a size past the end/.exec(line);
    if (match) return Number(match[1]);
  }
  return 0;
}
