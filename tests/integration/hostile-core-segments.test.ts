/**
 * Issue 25, the core's program headers: a segment that claims 2^62 bytes or lies past the file's end (#4),
 * 8,000 segments that map one region of the file (#6), copies of the segments 8 bytes higher (#18), and
 * more than 65,535 program headers as Linux writes them (#20). Each core is the real heap core of a real
 * crashing Node process (tests/support/heap-core.ts), edited by tests/support/hostile-core.ts; what is
 * expected of it is what the app printed (its Session and Order counts) and the version of the node that ran.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
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
  heapCountedExactly,
  hostileStore,
  onHostileDump,
  snapshotSays,
} from "../support/hostile-core.js";

let store: HostileStore;
before(async () => {
  store = await hostileStore(["pastTheEnd", "sharedFileRange", "shiftedCopies", "manyHeaders"]);
});
after(() => store.remove());

/** `heap --json` of the dump: it ended by itself with exit 0 and counted the app's objects exactly. */
async function heapOf(name: Parameters<typeof onHostileDump>[2]): Promise<HeapJson> {
  const result = await onHostileDump(store, "heap", name, ["--binary", store.heap.node, "--json"]);
  assert.equal(result.timedOut, false, `heap did not end: ${result.stderr}`);
  assert.equal(result.exitCode, 0, result.stderr);
  const heap = json<HeapJson>(result);
  assert.equal(countOf(heap, HEAP_APP_CLASSES.sessions), store.heap.sessions);
  assert.equal(countOf(heap, HEAP_APP_CLASSES.orders), store.heap.orders);
  assert.equal(heap.nodeVersion, store.heap.nodeVersion.replace(/^v/, ""));
  return heap;
}

describe("hostile-core #4: a segment claiming 2^62 bytes, another past the end of the file", () => {
  const note = /segments of the core claim bytes past the end of its file/;

  it("heap reads what the file holds, within a ceiling against a hang, and says so", async () => {
    const heap = await heapOf("pastTheEnd");
    assert.ok(
      heap.notes.some((line) => note.test(line)),
      heap.notes.join("\n"),
    );
  });

  it("heapsnapshot ends and writes the note into the snapshot", async () => {
    const folder = await mkdtemp(path.join(tmpdir(), "coredump-hostile-snapshot-"));
    try {
      await snapshotSays(store, "pastTheEnd", folder, note);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("report --no-executable ends, names the node version and says the core claims more than it holds", async () => {
    const result = await onHostileDump(store, "report", "pastTheEnd", ["--no-executable", "--json"]);
    assert.equal(result.timedOut, false, `report did not end: ${result.stderr}`);
    assert.equal(result.exitCode, 0, result.stderr);
    const report = json<{ nodeVersion: string | null; coreTruncated: { size: number } | null }>(result);
    assert.equal(report.nodeVersion, store.heap.nodeVersion.replace(/^v/, ""));
    assert.notEqual(report.coreTruncated, null);
  });
});

describe("hostile-core #6: 8,000 segments mapping one 256 KiB page of the file", () => {
  it("heap reads the page once, in bounded memory, and says so", async () => {
    const heap = await heapCountedExactly(store, store.ids.sharedFileRange ?? "");
    assert.ok(
      heap.notes.some((line) => /^8,000 segments of the core claim file bytes that another/.test(line)),
      heap.notes.join("\n"),
    );
  });
});

describe("hostile-core #18: a copy of every writable segment, 8 bytes higher", () => {
  it("heap reads the lower segments, the same way each time, and says so", async () => {
    const first = await heapOf("shiftedCopies");
    assert.ok(
      first.notes.some((line) => /segments of the core overlap the addresses of a lower segment/.test(line)),
      first.notes.join("\n"),
    );
    assert.deepEqual(await heapOf("shiftedCopies"), first);
  });
});

describe("hostile-core #20: 65,536 more program headers, written with PN_XNUM as Linux does", () => {
  it("heap reads every segment, with nothing to note that the unedited core does not", async () => {
    const heap = await heapOf("manyHeaders");
    // A real core can already hold a note of its own (objects a collection left half-written).
    const { notes } = await readHeap(store.heap.core, store.heap.node, {});
    assert.deepEqual(heap.notes, notes ?? []);
  });

  it("report --no-executable reads the machine and the node version", async () => {
    const result = await onHostileDump(store, "report", "manyHeaders", ["--no-executable", "--json"]);
    assert.equal(result.exitCode, 0, result.stderr);
    const report = json<{ nodeVersion: string | null; machine: { name: string } | null }>(result);
    assert.equal(report.nodeVersion, store.heap.nodeVersion.replace(/^v/, ""));
    assert.notEqual(report.machine, null);
  });
});
