/**
 * The corpus of the heap tests holds on its own, before any reader of cores exists: the known heap of
 * tests/fixtures/heap-app under the official Node 18, 20, 22 and 24, as Node's own snapshot shows it through
 * memlab's parser (the comparator of tests/integration/heap.test.ts), and the real OOM deaths.
 */
import assert from "node:assert/strict";
import { rm, stat } from "node:fs/promises";
import { before, describe, it } from "node:test";
import { coredump, json } from "../support/cli.js";
import { crashDumps } from "../support/crash-dumps.js";
import { HEAP_APP_CLASSES, type HeapCore, heapCore } from "../support/heap-core.js";
import { describePath, LoadedSnapshot, runsThroughMap } from "../support/heap-snapshot.js";
import { officialNode } from "../support/node-builds.js";
import { oomCore } from "../support/oom-core.js";

const VERSIONS = ["18.20.4", "20.20.2", "22.22.0", "24.11.0", "26.12.1"];
const OOM_VERSIONS = ["20.20.2", "22.22.0", "24.11.0", "26.12.1"];

describe("the heap app's cores and Node's own snapshots of them", () => {
  const cases: Array<{ version: string; heap: HeapCore; snapshot: LoadedSnapshot }> = [];

  before(async () => {
    for (const version of VERSIONS) {
      const heap = await heapCore({ node: await officialNode(version) });
      cases.push({ version, heap, snapshot: await LoadedSnapshot.load(heap.snapshot) });
    }
  });

  it("each is a core of a SIGABRT, mode 0600, of the version asked for", async () => {
    for (const { version, heap } of cases) {
      assert.equal(heap.nodeVersion, `v${version}`);
      assert.equal(heap.signal, 6, version);
      assert.equal((await stat(heap.core)).mode & 0o777, 0o600, version);
    }
  });

  it("memlab counts exactly N Sessions and M Orders in Node's own snapshot", () => {
    for (const { version, heap, snapshot } of cases) {
      const counts = snapshot.objectCounts();
      assert.equal(counts.get(HEAP_APP_CLASSES.sessions), heap.sessions, version);
      assert.equal(counts.get(HEAP_APP_CLASSES.orders), heap.orders, version);
      assert.notEqual(heap.sessions, heap.orders);
      assert.ok(snapshot.nodeCount > 10 * (heap.sessions + heap.orders), `${version}: ${snapshot.nodeCount}`);
    }
  });

  it("the Map on the global retains at least its Sessions, and a Session's shortest path runs through it", () => {
    for (const { version, heap, snapshot } of cases) {
      // A Session is a JS object with three fields (over 32 bytes) and a string of its own.
      const retained = snapshot.globalMapRetainedSize("sessions");
      assert.ok(retained > heap.sessions * 48, `${version}: the Map retains ${retained} bytes`);
      const path = snapshot.retainerPath(HEAP_APP_CLASSES.sessions);
      assert.ok(runsThroughMap(path), `${version}: ${describePath(path)}`);
      assert.ok(
        path.some((step) => step.edge === "sessions"),
        `${version}: ${describePath(path)}`,
      );
      assert.equal(path.at(-1)?.name, HEAP_APP_CLASSES.sessions);
    }
  });

  it("the app's strings have the representations it means them to have", () => {
    const expected = {
      internalized: "string",
      internalizedAtRunTime: "string",
      oneByte: "string",
      twoByte: "string",
      sliced: "sliced string",
      cons: "concatenated string",
      external: "string",
    };
    for (const { version, snapshot } of cases) {
      const strings = snapshot.propertiesOfGlobal("strings");
      const types = Object.fromEntries(Object.entries(strings).map(([name, node]) => [name, node.type]));
      assert.deepEqual(types, expected, version);
      assert.match(
        strings.twoByte?.name ?? "",
        /^heap-app-two-byte-\u2603-\u65e5\u672c-(\u00e9\u2665)+$/,
        version,
      );
      assert.match(strings.external?.name ?? "", /^(heap-app-external-)+/, version);
    }
  });

  it("packed as zip dumps in a folder, coredump list --dir finds each", async () => {
    const dumps = await crashDumps(
      cases.map(({ heap }) => heap),
      "stored-zip",
    );
    const listed = json<Array<{ id: string; signal: number; complete: boolean }>>(
      await coredump(["list", "--dir", dumps.dir, "--json"]),
    );
    await rm(dumps.dir, { recursive: true, force: true });
    assert.deepEqual(listed.map((dump) => dump.id).sort(), [...dumps.ids].sort());
    assert.ok(listed.every((dump) => dump.signal === 6 && dump.complete));
  });
});

describe("the leaking service's heap-out-of-memory cores (--max-old-space-size=64)", () => {
  it("on Node 20, 22 and 24 the service dies of its leak, SIGABRT, and names its leaking class", async () => {
    for (const version of OOM_VERSIONS) {
      const oom = await oomCore({ node: await officialNode(version), heapMb: 64 });
      assert.equal(oom.signal, 6, version);
      assert.match(oom.stderr, /FATAL ERROR: .*JavaScript heap out of memory/, version);
      assert.equal(oom.leaking, "Session");
      assert.ok(oom.classes.includes(oom.leaking) && oom.classes.length > 1);
      assert.equal((await stat(oom.core)).mode & 0o777, 0o600, version);
    }
  });
});
