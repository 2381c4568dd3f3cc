import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { heapSection } from "../../src/report/details/out-of-memory.js";
import type { Evidence } from "../../src/report/evidence.js";

/** An out-of-memory death's evidence: the core's own GC trace, and a log. */
function evidence(logAfterMb?: number): Evidence {
  return {
    signal: 6,
    nativeFrames: [],
    core: {
      abort: { frames: [] },
      nodeStack: [],
      lastGc: { beforeMb: 65, afterMb: 63.8 },
      maxOldSpaceMb: 64,
    },
    ...(logAfterMb === undefined
      ? {}
      : {
          log: {
            uncaught: false,
            nodeStack: [],
            heapOutOfMemory: true,
            lastGc: { beforeMb: 2050, afterMb: logAfterMb },
          },
        }),
  };
}

describe("the out-of-memory section", () => {
  it("carries the heap reader's notes on a core it could not read as it claimed", () => {
    const note = "1 object of the heap claimed a size past the end of its page";
    const section = heapSection(evidence(), { types: [], notes: [note] });
    assert.deepEqual(section.notes, [note]);
    assert.equal(heapSection(evidence(), { types: [] }).notes, undefined);
  });
});
