import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Dump } from "../../src/catalog/dump.js";
import { NoMatchError, resolveId } from "../../src/catalog/resolve.js";
import { shortIds } from "../../src/cli/short-ids.js";
import { UsageError } from "../../src/errors.js";

const dumps = [
  { id: "2fd506c1-4030-4b91-a37e-0242941273d7", stem: "2fd506c1-…" },
  { id: "2fd5aaaa-4030-4b91-a37e-0242941273d7", stem: "2fd5aaaa-…" },
  { id: "9c0e0000-0000-4000-8000-000000000000", stem: "9c0e0000-…" },
  { id: "dump-1588462466-web-1-4", stem: "dump-1588462466-web-1-4" },
] as Dump[];

describe("resolveId", () => {
  it("takes full ids, unique prefixes and last", () => {
    assert.equal(resolveId(dumps, "2FD506C1-4030-4b91-a37e-0242941273d7").id, dumps[0]?.id);
    assert.equal(resolveId(dumps, "2fd50").id, dumps[0]?.id);
    assert.equal(resolveId(dumps, "9c0e").id, dumps[2]?.id);
    assert.equal(resolveId(dumps, "dump-1588").id, dumps[3]?.id);
    assert.equal(resolveId(dumps, "last").id, dumps[0]?.id);
  });

  it("lists the candidates of an ambiguous prefix", () => {
    assert.throws(
      () => resolveId(dumps, "2fd5"),
      (error: Error) => {
        assert.ok(error instanceof NoMatchError);
        assert.match(error.message, /matches 2 dumps/);
        assert.match(error.message, /2fd506c1-4030/);
        assert.match(error.message, /2fd5aaaa-4030/);
        return true;
      },
    );
  });

  it("refuses ids under four characters as usage, and unknown ids as no match", () => {
    assert.throws(() => resolveId(dumps, "2fd"), UsageError);
    assert.throws(() => resolveId(dumps, "ffff"), NoMatchError);
    assert.throws(() => resolveId([], "last"), NoMatchError);
  });
});

describe("shortIds", () => {
  it("gives eight characters, more where two ids share them", () => {
    assert.deepEqual(shortIds(["2fd506c1-aaaa", "2fd506c1-bbbb", "9c0e0000-0000"]), [
      "2fd506c1-a",
      "2fd506c1-b",
      "9c0e0000",
    ]);
  });
});

describe("renderTable", () => {
  it("aligns columns, and copes with a bucket's worth of rows", async () => {
    const { renderTable } = await import("../../src/ui/table.js");
    assert.equal(
      renderTable(
        ["ID", "POD"],
        [
          ["a", "x"],
          ["bbb", "y"],
        ],
      ),
      "ID   POD\na    x\nbbb  y",
    );
    const rows = Array.from({ length: 200_000 }, (_, index) => [String(index), "p"]);
    assert.equal(renderTable(["ID", "POD"], rows).split("\n").length, 200_001);
  });
});
