import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Dump } from "../../src/catalog/dump.js";
import { matches, parseFilter, parseSignal, parseTime } from "../../src/catalog/filters.js";
import { UsageError } from "../../src/errors.js";

const now = new Date("2026-11-26T12:00:00Z");

function dump(fields: Partial<Dump>): Dump {
  return { id: "x", namespace: null, pod: null, ...fields } as Dump;
}

describe("filters", () => {
  it("reads durations back from now and dates", () => {
    assert.equal(parseTime("2h", now, "--since").toISOString(), "2026-11-26T10:00:00.000Z");
    assert.equal(parseTime("7d", now, "--since").toISOString(), "2026-11-19T12:00:00.000Z");
    assert.equal(parseTime("2026-11-01T00:00:00Z", now, "--since").toISOString(), "2026-11-01T00:00:00.000Z");
    assert.throws(() => parseTime("yesterday-ish", now, "--since"), UsageError);
  });

  it("reads signals by name or number", () => {
    assert.equal(parseSignal("SIGSEGV"), 11);
    assert.equal(parseSignal("abrt"), 6);
    assert.equal(parseSignal("5"), 5);
    assert.throws(() => parseSignal("SIGNOPE"), /not a signal/);
  });

  it("matches on every field, with globs for names", () => {
    const crashed = dump({
      namespace: "shop",
      pod: "shop-api-7d9-x2kq9",
      exe: "node",
      signal: 6,
      time: Date.parse("2026-11-26T11:00:00Z"),
    });
    assert.equal(matches(crashed, parseFilter({ namespace: "shop", pod: "shop-api-*" }, now)), true);
    assert.equal(matches(crashed, parseFilter({ namespace: "shop-*" }, now)), false);
    assert.equal(matches(crashed, parseFilter({ exe: "node", signal: "SIGABRT" }, now)), true);
    assert.equal(matches(crashed, parseFilter({ signal: "SIGSEGV" }, now)), false);
    assert.equal(matches(crashed, parseFilter({ since: "2h" }, now)), true);
    assert.equal(matches(crashed, parseFilter({ since: "30m" }, now)), false);
    assert.equal(matches(crashed, parseFilter({ until: "30m" }, now)), true);
  });

  it("lets --exe and --pod find a dump known by its name alone however its hyphens split", () => {
    const stem = "dump-1588462466-my-node-app-7d9c8b6f5-p3q4r-my-node-app-10-4";
    const guessed = dump({ stem, pod: "my-node-app-7d9c8b6f5-p3q4r-my-node", exe: "app" });
    const filter = parseFilter({ exe: "my-node-app", pod: "my-node-app-*-p3q4r" }, now);
    assert.equal(matches(guessed, filter), true);
    assert.equal(matches(guessed, parseFilter({ exe: "my-node-app", pod: "other-*" }, now)), false);
    // Once its JSON is read, what it says is all that matches.
    assert.equal(
      matches({ ...guessed, metadata: { state: "ok", containers: [], images: [], problems: [] } }, filter),
      false,
    );
  });

  it("lets --namespace unknown find the dumps the handler could not place", () => {
    assert.equal(matches(dump({ namespace: null }), parseFilter({ namespace: "unknown" }, now)), true);
  });
});
