import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseSignal } from "../../src/catalog/filters.js";
import { signalName, signalNumber } from "../../src/util/signals.js";

describe("the signal table", () => {
  it("names 6 SIGABRT, never SIGIOT, and the other numbers by the names people use", () => {
    assert.equal(signalName(6), "SIGABRT");
    assert.equal(signalName(11), "SIGSEGV");
    assert.equal(signalName(5), "SIGTRAP");
    assert.equal(signalName(29), "SIGIO");
    assert.equal(signalName(31), "SIGSYS");
    assert.equal(signalName(0), undefined);
    assert.equal(signalName(undefined), undefined);
  });

  it("understands the other names as input", () => {
    assert.equal(signalNumber("SIGIOT"), 6);
    assert.equal(signalNumber("iot"), 6);
    assert.equal(signalNumber("abrt"), 6);
    assert.equal(signalNumber("SIGNOPE"), undefined);
    assert.equal(parseSignal("iot"), 6);
  });
});
