import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DumpMetadata } from "../../src/catalog/read-metadata.js";
import { SharedValues } from "../../src/catalog/shared-values.js";

const metadataOf = (pod: string, message: string): DumpMetadata => ({
  state: "ok",
  pod: { namespace: "shop", pod, labels: {}, annotations: {} },
  containers: [],
  images: [{ repoTags: ["shop/cart:1.4"], repoDigests: ["shop/cart@sha256:ab"], container: 0 }],
  problems: [],
  crash: { kind: "uncaught-exception", errorType: "TypeError", message, frames: ["handle (server.js)"] },
  partial: true,
});

describe("shared metadata values", () => {
  it("gives equal images and crashes one frozen copy, and keeps what differs", () => {
    const shared = new SharedValues();
    const first = shared.share(metadataOf("cart-1", "x is not a function"));
    const second = shared.share(metadataOf("cart-2", "x is not a function"));
    const other = shared.share(metadataOf("cart-3", "y is not a function"));
    assert.equal(first.images, second.images);
    assert.equal(first.crash, second.crash);
    assert.notEqual(first.crash, other.crash);
    assert.equal(other.crash?.message, "y is not a function");
    assert.equal(first.pod?.labels, other.pod?.labels, "empty label sets are one");
    assert.deepEqual([first.pod?.pod, second.pod?.pod], ["cart-1", "cart-2"]);
    assert.throws(() => first.images.push({ repoTags: [], repoDigests: [] }), TypeError);
    assert.throws(() => first.problems.push("p"), TypeError);
    assert.throws(() => {
      (first.crash as { frames: string[] }).frames[0] = "changed";
    }, TypeError);
  });

  it("leaves the fields of the metadata it was given as they were", () => {
    const metadata = metadataOf("cart-1", "boom");
    const copy = structuredClone(metadata);
    new SharedValues().share(metadata);
    assert.deepEqual(metadata, copy);
    assert.equal(Object.isFrozen(metadata), false);
    metadata.problems.push("still a list of its own");
  });
});
