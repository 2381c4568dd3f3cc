import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeDump } from "../../src/catalog/dump.js";
import type { DumpMetadata } from "../../src/catalog/read-metadata.js";
import { groupDumps } from "../../src/groups/group-dumps.js";

const metadata = (namespace: string, pod: string, message: string): DumpMetadata => ({
  state: "ok",
  containers: [],
  images: [{ repoTags: ["app:1"], repoDigests: [] }],
  problems: [],
  pod: { namespace, pod, labels: {}, annotations: {} },
  crash: { kind: "uncaught-exception", errorType: "TypeError", message, frames: ["handle (app/a.js)"] },
});

function dump(uuid: string, time: number, meta: DumpMetadata) {
  const stem = `${uuid}-dump-${time}-${meta.pod?.pod}-node-8-5`;
  const zip = { key: `${stem}.zip`, size: 10, etag: uuid, modified: 0 };
  return describeDump({ folder: "", stem, zip }, meta);
}

describe("groupDumps", () => {
  it("counts one crash once across pods, largest first, and prefers a report's crash", () => {
    const dumps = [
      dump(
        "00000000-0000-4000-8000-000000000003",
        300,
        metadata("shop", "api-6d4cf56db6-x2kqb", "a is not a function"),
      ),
      dump(
        "00000000-0000-4000-8000-000000000002",
        200,
        metadata("cart", "api-7f9b8c6d5-x2kqc", "a is not a function"),
      ),
      dump(
        "00000000-0000-4000-8000-000000000001",
        100,
        metadata("shop", "api-6d4cf56db6-x2kqd", "b is undefined"),
      ),
    ];
    const groups = groupDumps(dumps);
    assert.deepEqual(
      groups.map((group) => [group.count, group.title]),
      [
        [2, "TypeError: a is not a function at handle (a.js)"],
        [1, "TypeError: b is undefined at handle (a.js)"],
      ],
    );
    assert.deepEqual(groups[0]?.namespaces, ["cart", "shop"]);
    assert.deepEqual(groups[0]?.images, ["app:1"]);
    assert.equal(groups[0]?.first, new Date(200_000).toISOString());
    assert.equal(groups[0]?.last, new Date(300_000).toISOString());
    const reported = groupDumps(dumps, (item) =>
      item.id.endsWith("1")
        ? {
            kind: "uncaught-exception",
            errorType: "TypeError",
            message: "a is not a function",
            frames: ["handle (app/a.js)"],
          }
        : undefined,
    );
    assert.deepEqual(
      reported.map((group) => group.count),
      [3],
    );
  });
});
