import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseBacktrace } from "../../src/debuggers/llnode-output.js";

// Lines as the project's llnode prints them (arguments shortened), from a core of an optimized hot path.
const BACKTRACE = [
  " * thread #1, name = 'node', stop reason = signal SIGTRAP",
  "  * frame #0: 0x0000000002eb176c node`v8::base::OS::Abort() + 44",
  "    frame #6: 0x00007fc6bf5b6636 <exit>",
  "    frame #7: 0x00007fc69f7849f5 priceOf(<inlined>) at /app/hot.js:8:15",
  "    frame #7: 0x00007fc69f7849f5 checkout(this=0x1:<Global proxy>) at /app/hot.js:13:50 fn=0x00003e397e9c04f1",
  "    frame #8: 0x00007fc6bf50d654 serve(this=0x1:<Global proxy>) at /app/hot.js:12:15 (function start: call site unknown in an optimized frame) fn=0x000006ed1128dd61",
  "    frame #9: 0x00007fc69f7c0c49 (anonymous)(this=0x6:<Object: Object>) at /app/hot.js:33:1 fn=0x00002bb3cf28e0a9",
  "    frame #10: 0x0000000005284c05 (this=0x1d:<Object: Object>) at node:internal/modules/cjs/loader:1364:14 fn=0x0000272138f0aa69",
].join("\n");

describe("parseBacktrace", () => {
  it("reads inlined, anonymous and unnamed JS frames, each with its position and what it is", () => {
    const frames = parseBacktrace(BACKTRACE, { callSites: true }).filter((frame) => frame.file !== undefined);
    assert.deepEqual(
      frames.map(({ index, function: name, line, column, position }) => [
        index,
        name,
        line,
        column,
        position,
      ]),
      [
        [7, "priceOf", 8, 15, "call site"],
        [7, "checkout", 13, 50, "call site"],
        [8, "serve", 12, 15, "function start"],
        [9, "(anonymous)", 33, 1, "call site"],
        [10, "(anonymous)", 1364, 14, "call site"],
      ],
    );
  });

  it("keeps native frames native", () => {
    assert.deepEqual(parseBacktrace(BACKTRACE)[0], {
      index: 0,
      function: "v8::base::OS::Abort()",
      native: true,
    });
  });
});
