import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseSize } from "../../src/cli/commands/clean.js";
import { chooseRemovals, type Removable } from "../../src/workspace/clean.js";

const day = 86_400_000;
const now = Date.parse("2026-11-26T12:00:00Z");
const item = (name: string, daysAgo: number, bytes: number): Removable => ({
  path: name,
  kind: "dump folder",
  bytes,
  lastUsed: new Date(now - daysAgo * day),
});

describe("chooseRemovals", () => {
  const items = [item("a", 10, 100), item("b", 5, 300), item("c", 1, 200), item("d", 0, 50)];

  it("removes what is older than the age", () => {
    assert.deepEqual(
      chooseRemovals(items, { olderThan: new Date(now - 4 * day) }).map((chosen) => chosen.path),
      ["a", "b"],
    );
  });

  it("then the least recently used until the rest fits", () => {
    assert.deepEqual(
      chooseRemovals(items, { maxBytes: 300 }).map((chosen) => chosen.path),
      ["a", "b"],
    );
    assert.deepEqual(
      chooseRemovals(items, { olderThan: new Date(now - 7 * day), maxBytes: 249 }).map(
        (chosen) => chosen.path,
      ),
      ["a", "b", "c"],
    );
    assert.deepEqual(chooseRemovals(items, { maxBytes: 10_000 }), []);
  });
});

describe("parseSize", () => {
  it("reads decimal sizes", () => {
    assert.equal(parseSize("20GB"), 20e9);
    assert.equal(parseSize("500m"), 500e6);
    assert.equal(parseSize("1.5T"), 1.5e12);
    assert.equal(parseSize("42"), 42);
    assert.throws(() => parseSize("lots"), /--max-size/);
  });
});
