import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { crashFromLog } from "../../src/crashlog/log-crash.js";
import { readGoTraceback } from "../../src/runtimes/go/traceback.js";
import { buildGoProgram, crashGoProgram, type GoCrash, removeGoScratch } from "../support/go-core.js";

/** What Go printed first, `panic: MSG` or `fatal error: MSG`: the expected cause. */
function firstCause(stderr: string): { kind: string; message: string } {
  const first = /^(panic|fatal error): (.*)$/m.exec(stderr);
  assert.ok(first, stderr.slice(0, 300));
  return { kind: first[1] === "panic" ? "panic" : "fatal-error", message: (first[2] ?? "").trim() };
}

describe("Go's traceback, read from what a real Go program printed when it died", () => {
  const crashes = new Map<string, GoCrash>();

  before(async () => {
    const executable = await buildGoProgram();
    for (const mode of ["nil-map", "nil-pointer", "map-writes"] as const)
      crashes.set(mode, await crashGoProgram(executable, mode));
  });
  after(removeGoScratch);

  for (const mode of ["nil-map", "nil-pointer", "map-writes"]) {
    it(`${mode}: the cause from the top, the dying goroutine's frames at the printed crash site`, () => {
      const crash = crashes.get(mode) as GoCrash;
      const traceback = readGoTraceback(crash.stderr);
      assert.ok(traceback);
      const cause = firstCause(crash.stderr);
      assert.equal(traceback.kind, cause.kind);
      assert.equal(traceback.message, cause.message);
      const frame = traceback.crashed?.frames.find((candidate) => candidate.function === crash.site.function);
      assert.deepEqual(frame, {
        function: crash.site.function,
        file: crash.site.file,
        line: crash.site.line,
      });
      assert.equal(traceback.goroutines.length, (crash.stderr.match(/^goroutine \d+ /gm) ?? []).length);
    });
  }

  it("the log's reader (list, groups) finds the panic at the top of a long log, past earlier output", () => {
    const crash = crashes.get("nil-map") as GoCrash;
    // A service's log: its own lines first, then the traceback, whose last lines are other goroutines.
    const chatter = Array.from({ length: 2000 }, (_, index) => `request ${index} served`).join("\n");
    const found = crashFromLog(`${chatter}\n${crash.stdout}${crash.stderr}`);
    assert.equal(found?.kind, "panic");
    assert.equal(found?.message, firstCause(crash.stderr).message);
    assert.equal(
      found?.frames[0]?.function,
      crash.site.function,
      "the program's frame first, not the runtime's",
    );
    assert.equal(found?.frames[0]?.line, crash.site.line);
  });

  it("a concurrent map write is a fatal error, not a panic, named by the goroutine that died", () => {
    const crash = crashes.get("map-writes") as GoCrash;
    const found = crashFromLog(crash.stderr);
    assert.equal(found?.kind, "fatal-error");
    assert.equal(found?.frames[0]?.function, crash.site.function);
  });

  it("a log without Go's traceback is not read as a Go death", () => {
    const crash = crashes.get("nil-map") as GoCrash;
    assert.equal(readGoTraceback(crash.stdout), undefined);
  });
});
