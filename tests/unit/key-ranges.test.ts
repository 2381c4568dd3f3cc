import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type KeyRange, keyRanges } from "../../src/store/key-ranges.js";

/** Which range a key falls in: exactly one, or the ranges are wrong. */
function owners(ranges: KeyRange[], key: string): number[] {
  return ranges.flatMap((range, index) =>
    (range.after === undefined || key > range.after) && (range.upTo === undefined || key <= range.upTo)
      ? [index]
      : [],
  );
}

describe("keyRanges", () => {
  it("covers every key after the first page exactly once, whatever it starts with", () => {
    const ranges = keyRanges("p/", "p/0fff");
    const keys = [
      "p/1",
      "p/10",
      "p/1abc",
      "p/9",
      "p/a0",
      "p/f",
      "p/ffff",
      "p/g",
      "p/zz",
      "p/~",
      "p/0fffa",
      "q",
    ];
    for (const key of keys) assert.equal(owners(ranges, key).length, 1, key);
    assert.deepEqual(owners(ranges, "p/0ffe"), []);
    assert.deepEqual(owners(ranges, "p/0fff"), []);
  });

  it("splits at the hex digits that lie after the first page", () => {
    const ranges = keyRanges("", "c123");
    assert.deepEqual(ranges, [
      { after: "c123", upTo: "d" },
      { after: "d", upTo: "e" },
      { after: "e", upTo: "f" },
      { after: "f" },
    ]);
  });
});
