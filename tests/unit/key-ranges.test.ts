import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ListPart, partsAfter } from "../../src/store/key-ranges.js";

/** Which parts would return a key: exactly one, or the split is wrong. */
function owners(parts: ListPart[], key: string): number[] {
  return parts.flatMap((part, index) =>
    key.startsWith(part.prefix) &&
    (part.startAfter === undefined || key > part.startAfter) &&
    (part.before === undefined || key < part.before)
      ? [index]
      : [],
  );
}

describe("partsAfter", () => {
  it("returns every key after the first page exactly once, whatever it starts with", () => {
    const after = "p/0fff";
    const parts = partsAfter("p/", after);
    const keys = [
      "p/.x",
      "p/-",
      "p/0",
      "p/0ffe",
      "p/0fff",
      "p/0fffa",
      "p/1",
      "p/10",
      "p/1abc",
      "p/9",
      "p/9zzz",
      "p/:x",
    ];
    keys.push("p/A", "p/a0", "p/f", "p/ffff", "p/g", "p/zz", "p/~", "p/sub/x", "p/\u00e9t\u00e9");
    for (const key of keys) assert.equal(owners(parts, key).length, key > after ? 1 : 0, key);
  });

  it("lists by prefix, never reading past a group's end", () => {
    const parts = partsAfter("", "c123");
    assert.deepEqual(
      parts.filter((part) => part.maxKeys === undefined),
      [{ prefix: "c", startAfter: "c123" }, { prefix: "d" }, { prefix: "e" }, { prefix: "f" }],
    );
    assert.deepEqual(
      parts.filter((part) => part.maxKeys !== undefined),
      [{ prefix: "", startAfter: "f\u{10FFFF}", maxKeys: 100 }],
    );
  });

  it("drops the gaps the first page already passed", () => {
    assert.equal(partsAfter("", "-zzz").filter((part) => part.maxKeys !== undefined).length, 3);
    assert.equal(partsAfter("", "b").filter((part) => part.maxKeys !== undefined).length, 1);
  });
});
