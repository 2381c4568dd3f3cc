import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readHeap } from "../../src/heap/index.js";
import { KNOWN_ITEMS, KNOWN_SESSIONS, knownHeapCore } from "../support/known-heap-core.js";

const VERSIONS = ["18.20.4", "20.20.2", "22.22.0", "24.11.0", "26.12.1"];

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

  it("says in one line that a core of another Node major is not supported", async () => {
    const { core, node } = await knownHeapCore("16.20.2");
    await assert.rejects(
      readHeap(core, node),
      /Node 16\.20\.2 is not supported: coredump heap reads .*18, 20, 22, 24/,
    );
  });
});
