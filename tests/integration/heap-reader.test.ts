import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { readHeap } from "../../src/heap/index.js";
import { coredump, json } from "../support/cli.js";
import { defaultSpec, looseDump, writeToDirectory } from "../support/handler-layout.js";
import { KNOWN_ITEMS, KNOWN_SESSIONS, knownHeapCore } from "../support/known-heap-core.js";

const VERSIONS = ["18.20.4", "20.20.2", "22.22.0", "24.11.0"];

interface HeapJson {
  id: string;
  nodeVersion: string;
  objects: number;
  bytes: number;
  types: Array<{ name: string; count: number; bytes: number }>;
  retainers?: Array<{ path: Array<{ name: string; edge: string }> }>;
}

describe("the heap reader on cores of a known heap", () => {
  for (const version of VERSIONS) {
    it(`Node ${version}: exactly the live Session and Item objects, and paths through the Map and the closure`, async () => {
      const { core, node } = await knownHeapCore(version);
      const reading = await readHeap(core, node, { retainersOf: ["Session", "Item"] });
      assert.equal(reading.nodeVersion, version);
      const count = (name: string) => reading.types.find((type) => type.name === name)?.count;
      assert.equal(count("Session"), KNOWN_SESSIONS);
      assert.equal(count("Item"), KNOWN_ITEMS);
      const sorted = reading.types.map((type) => type.bytes);
      assert.deepEqual(
        sorted,
        [...sorted].sort((a, b) => b - a),
        "types by bytes, largest first",
      );
      assert.equal(
        reading.bytes,
        reading.types.reduce((sum, type) => sum + type.bytes, 0),
      );
      const session = reading.retainers?.Session?.[0]?.path.map((step) => step.edge) ?? [];
      assert.equal(session[0], "(global object)");
      assert.ok(session.includes("sessions"), session.join(" "));
      assert.match(session.at(-1) ?? "", /^Map entry k\d+$/);
      const item = reading.retainers?.Item?.[0]?.path.map((step) => step.edge) ?? [];
      assert.ok(item.includes("holder") && item.includes("context variable items"), item.join(" "));
      assert.match(item.at(-1) ?? "", /^\[\d+\]$/);
    });
  }

  it("coredump heap --json and --retainers through the CLI, from a directory store", async () => {
    const { core, node, pid } = await knownHeapCore("22.22.0");
    const store = await mkdtemp(path.join(tmpdir(), "coredump-heap-store-"));
    const spec = defaultSpec({ core, pid, signal: 6 });
    await writeToDirectory(looseDump(spec), store);
    const workdir = await mkdtemp(path.join(tmpdir(), "coredump-heap-work-"));
    const args = ["heap", spec.uuid, "--dir", store, "--workdir", workdir, "--binary", node, "--json"];
    const result = await coredump([...args, "--top", "5", "--retainers", "Session"]);
    assert.equal(result.exitCode, 0, result.stderr);
    const heap = json<HeapJson>(result);
    assert.equal(heap.id, spec.uuid);
    assert.equal(heap.nodeVersion, "22.22.0");
    assert.equal(heap.types.length, 5);
    assert.ok(
      heap.objects > 10_000 && heap.bytes > 1_000_000,
      `${heap.objects} objects, ${heap.bytes} bytes`,
    );
    assert.equal(heap.retainers?.length, 3);
    assert.match(heap.retainers?.[0]?.path.at(-1)?.edge ?? "", /^Map entry k\d+$/);
    const human = await coredump([...args.slice(0, -1), "--top", "60"]);
    assert.equal(human.exitCode, 0, human.stderr);
    assert.match(human.stdout, /^Session\s+1,234\s/m);
  });

  it("says in one line that a core of another Node major is not supported", async () => {
    const { core, node } = await knownHeapCore("16.20.2");
    await assert.rejects(
      readHeap(core, node),
      /Node 16\.20\.2 is not supported: coredump heap reads .*18, 20, 22, 24/,
    );
  });
});
