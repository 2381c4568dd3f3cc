/**
 * Issue 25, the core's notes: 300,000 empty notes before the core's own (#11), and an NT_FILE note of
 * 400,000 mappings, the core's own over and over (#14). Each core is the real heap core of a real crashing
 * Node process (tests/support/heap-core.ts), edited by tests/support/hostile-core.ts; what is expected of
 * it is what the app printed (its Session and Order counts).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { json } from "../support/cli.js";
import { HEAP_APP_CLASSES } from "../support/heap-core.js";
import {
  countOf,
  type HeapJson,
  type HostileStore,
  heapCountedExactly,
  hostileStore,
  onHostileDump,
} from "../support/hostile-core.js";

let store: HostileStore;
before(async () => {
  store = await hostileStore(["emptyNotes", "hugeFileNote"]);
});
after(() => store.remove());

describe("hostile-core #11: 300,000 empty notes", () => {
  it("fetch takes the dump, and heap reads it", async () => {
    const fetched = await onHostileDump(store, "fetch", "emptyNotes", ["--no-executable"]);
    assert.equal(fetched.exitCode, 0, fetched.stderr);
    assert.doesNotMatch(fetched.stderr, /RangeError|call stack|\n\s+at /);
    const result = await onHostileDump(store, "heap", "emptyNotes", ["--binary", store.heap.node, "--json"]);
    assert.equal(result.exitCode, 0, result.stderr);
    const heap = json<HeapJson>(result);
    assert.equal(countOf(heap, HEAP_APP_CLASSES.sessions), store.heap.sessions);
    assert.equal(countOf(heap, HEAP_APP_CLASSES.orders), store.heap.orders);
  });
});

describe("hostile-core #14: an NT_FILE note of 400,000 mappings", () => {
  it("heap reads the first 65,536 once each, in bounded memory, and says so", async () => {
    const heap = await heapCountedExactly(store, store.ids.hugeFileNote ?? "");
    assert.ok(
      heap.notes.some((line) => /lists 400,000 file mappings \(NT_FILE\).*the first 65,536 read/.test(line)),
      heap.notes.join("\n"),
    );
    assert.ok(
      heap.notes.some((line) => /file mappings \(NT_FILE\) repeat or overlap another/.test(line)),
      heap.notes.join("\n"),
    );
  });
});
