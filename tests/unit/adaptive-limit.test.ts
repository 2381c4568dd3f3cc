import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AdaptiveLimit } from "../../src/store/adaptive-limit.js";

describe("AdaptiveLimit", () => {
  it("keeps at most its window in flight, halves on throttles and grows back by one a window", async () => {
    const limit = new AdaptiveLimit(8, 16);
    let active = 0;
    let most = 0;
    const work = () =>
      limit.run(async () => {
        active += 1;
        most = Math.max(most, active);
        await new Promise((resolve) => setTimeout(resolve, 1));
        active -= 1;
      });
    await Promise.all(Array.from({ length: 40 }, work));
    assert.equal(most, 8);
    limit.throttled();
    limit.throttled();
    assert.equal(limit.current, 2);
    most = 0;
    await Promise.all(Array.from({ length: 20 }, work));
    assert.equal(most, 2);
    for (let i = 0; i < 5; i++) limit.succeeded();
    assert.equal(limit.current, 3, "two successes a window of two: one more");
    for (let i = 0; i < 1000; i++) limit.succeeded();
    assert.equal(limit.current, 16, "never past the most");
  });
});
