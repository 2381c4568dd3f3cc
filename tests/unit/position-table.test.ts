import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { positionAt } from "../../src/v8-stack/position-table.js";

/** A table as V8 writes one: per entry, the code distance and the source distance as variable-length numbers. */
function table(
  entries: Array<{ code: number; source: number; statement: boolean }>,
  v8_14: boolean,
): Uint8Array {
  const bytes: number[] = [];
  const varint = (value: bigint) => {
    let rest = value;
    do {
      const low = Number(rest & 0x7fn);
      rest >>= 7n;
      bytes.push(rest > 0n ? low | 0x80 : low);
    } while (rest > 0n);
  };
  const zigZag = (value: bigint) => (value >= 0n ? value << 1n : ((-value - 1n) << 1n) | 1n);
  let code = -1;
  let source = 0n;
  for (const entry of entries) {
    const codeDelta = entry.code - code;
    varint(
      v8_14
        ? (BigInt(codeDelta) << 2n) | (entry.statement ? 1n : 0n)
        : zigZag(BigInt(entry.statement ? codeDelta : -codeDelta - 1)),
    );
    const encoded = BigInt(entry.source + 1) << 1n;
    varint(zigZag(encoded - source));
    code = entry.code;
    source = encoded;
  }
  return Uint8Array.from(bytes);
}

describe("V8's source position tables", () => {
  const entries = [
    { code: 0, source: 10, statement: true },
    { code: 4, source: 250, statement: false },
    { code: 9, source: 40, statement: true },
    { code: 300, source: 70_000, statement: false },
  ];
  for (const v8_14 of [false, true]) {
    it(`finds the last position at or before a code offset (${v8_14 ? "V8 14's unsigned" : "zig-zag"} code distances)`, () => {
      const bytes = table(entries, v8_14);
      const at = (offset: number) =>
        positionAt(bytes, offset, { flagsBelowCodeDelta: v8_14 }, -1)?.scriptOffset;
      assert.equal(at(0), 10);
      assert.equal(at(3), 10);
      assert.equal(at(4), 250);
      assert.equal(at(8), 250);
      assert.equal(at(9), 40);
      assert.equal(at(299), 40);
      assert.equal(at(10_000), 70_000);
    });
  }

  it("gives nothing before the first entry, and stops at a cut table", () => {
    const bytes = table(entries, false);
    assert.equal(positionAt(bytes, -5, { flagsBelowCodeDelta: false }, -1), undefined);
    assert.equal(positionAt(bytes.subarray(0, 3), 100, { flagsBelowCodeDelta: false }, -1)?.scriptOffset, 10);
    assert.equal(positionAt(Uint8Array.from([0xff, 0xff]), 0, { flagsBelowCodeDelta: false }, -1), undefined);
  });
});
