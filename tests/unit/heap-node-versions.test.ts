import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nodeVersionSupport, SUPPORTED_NODE_MAJORS } from "../../src/heap/supported.js";
import { UnsupportedHeapError } from "../../src/heap/v8-constants.js";

describe("which Node versions the heap reader reads", () => {
  it("reads every tested major as verified, Node 26 among them", () => {
    for (const major of SUPPORTED_NODE_MAJORS)
      assert.deepEqual(nodeVersionSupport(`${major}.1.0`), { version: `${major}.1.0`, verified: true });
    assert.ok(SUPPORTED_NODE_MAJORS.includes(26));
  });

  it("tries a major newer than any tested, labelled unverified", () => {
    const next = Math.max(...SUPPORTED_NODE_MAJORS) + 1;
    assert.deepEqual(nodeVersionSupport(`${next}.0.0`), { version: `${next}.0.0`, verified: false });
  });

  it("refuses an older major, an odd one between tested ones, and a core with no version, in one line", () => {
    for (const version of ["16.20.2", "21.7.3", undefined]) {
      assert.throws(
        () => nodeVersionSupport(version),
        (error: unknown) => error instanceof UnsupportedHeapError && !error.message.includes("\n"),
      );
    }
  });
});
