import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Dump } from "../../src/catalog/dump.js";
import { NoMatchError, resolveId } from "../../src/catalog/resolve.js";
import { shortIds } from "../../src/cli/short-ids.js";
import { UsageError } from "../../src/errors.js";

/** A zip dump as `resolveId` sees it: its id, its stem, and its key `<folder>/<stem>.zip`. */
function zipped(id: string, stem: string, folder = ""): Dump {
  const key = `${folder}${stem}.zip`;
  return { id, stem, objects: { folder, stem, zip: { key, size: 1, etag: "x", modified: 0 } } } as Dump;
}

const dumps = [
  zipped("2fd506c1-4030-4b91-a37e-0242941273d7", "2fd506c1-…"),
  zipped("2fd5aaaa-4030-4b91-a37e-0242941273d7", "2fd5aaaa-…"),
  zipped("9c0e0000-0000-4000-8000-000000000000", "9c0e0000-…"),
  zipped("dump-1588462466-web-1-4", "dump-1588462466-web-1-4"),
];

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

  it("two dumps with one uuid: the error names both keys, and each key picks its dump", () => {
    const uuid = "5e1f0000-0000-4000-8000-000000000000";
    const stem = `${uuid}-dump-1764600000-web-node-8-11`;
    const twins = [zipped(uuid, stem, "team-a/"), zipped(uuid, stem, "team-b/"), ...dumps];
    for (const id of [uuid, uuid.slice(0, 8), stem]) {
      assert.throws(
        () => resolveId(twins, id),
        (error: Error) => {
          assert.ok(error instanceof NoMatchError);
          assert.match(error.message, /matches 2 dumps, some of them with one uuid: give the key/);
          assert.match(error.message, new RegExp(`team-a/${stem}\\.zip`));
          assert.match(error.message, new RegExp(`team-b/${stem}\\.zip`));
          return true;
        },
      );
    }
    assert.equal(resolveId(twins, `team-a/${stem}.zip`), twins[0]);
    assert.equal(resolveId(twins, `team-b/${stem}.zip`), twins[1]);
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
