import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  crashFacts,
  crashSignature,
  normalizeFrame,
  normalizeMessage,
} from "../../src/crashlog/crash-signature.js";
import { crashFromLog, parseFrame } from "../../src/crashlog/log-crash.js";

describe("crashFromLog", () => {
  it("splits Node 18's run-together FROM frames", () => {
    const log = [
      "listening",
      "Uncaught TypeError: x is not a function",
      "",
      "FROM",
      "handle (/app/a.js:3:9)/app/a.js:9:1Array.map (<anonymous>)process.processTimers (node:internal/timers:512:7)",
    ].join("\n");
    const crash = crashFromLog(log);
    assert.equal(crash?.kind, "uncaught-exception");
    assert.deepEqual(
      crash?.frames.map((frame) => frame.function),
      ["handle", "<anonymous>", "Array.map", "process.processTimers"],
    );
  });

  it("ignores an error the app logged and survived, and finds the crash after it", () => {
    const handled = ["Error: ECONNRESET", "    at retry (/app/db.js:4:2)", "retrying"].join("\n");
    assert.equal(crashFromLog(handled), undefined);
    const crash = crashFromLog(
      [handled, "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory"].join(
        "\n",
      ),
    );
    assert.equal(crash?.kind, "out-of-memory");
  });

  it("reads an error with properties, and a V8 check failure", () => {
    const withCode = [
      "/app/x.js:2",
      "  throw e;",
      "  ^",
      "",
      "Error: connect ECONNREFUSED 10.0.3.7:5432",
      "    at connect (/app/x.js:1:11) {",
      "  code: 'ECONNREFUSED'",
      "}",
      "",
      "Node.js v22.22.0",
    ].join("\n");
    const crash = crashFromLog(withCode);
    assert.equal(crash?.errorType, "Error");
    assert.deepEqual(crash?.frames[0], { function: "connect", file: "/app/x.js", line: 1, column: 11 });
    const check = crashFromLog(
      ["#", "# Fatal error in , line 0", "# Check failed: !IsFree().", "#"].join("\n"),
    );
    assert.deepEqual([check?.kind, check?.message], ["fatal-error", "Check failed: !IsFree()."]);
  });
});

describe("crashFromLog on hostile text: bounded work, the crash at the end still found", () => {
  const crash = "Uncaught TypeError: x is not a function\n\nFROM\nhandle (/app/a.js:3:9)\n";

  it("frames under lines that are no error's header, for megabytes", () => {
    const noise = "retrying\n    at retry (/app/db.js:4:2)\n".repeat(100_000);
    assert.equal(crashFromLog(`${noise}${crash}`)?.errorType, "TypeError");
  });

  it("a FROM line without parentheses, slashes without positions, a frame of open parentheses", () => {
    const long = "x".repeat(500_000);
    assert.deepEqual(crashFromLog(`Uncaught Error: a\n\nFROM\n${long} (\n`)?.frames, []);
    assert.deepEqual(crashFromLog(`Uncaught Error: a\n\nFROM\n${"/".repeat(500_000)}\n`)?.frames, []);
    const opens = crashFromLog(`Error: a\n    at ${"f (".repeat(200_000)}\n\nNode.js v22.22.0\n`);
    assert.equal(opens?.frames.length, 1);
  });

  it("reads only the tail: what came before the last 1,000 lines is not read", () => {
    assert.equal(crashFromLog(`${crash}${"ok\n".repeat(2000)}`), undefined);
    assert.equal(crashFromLog(`${"ok\n".repeat(2000)}${crash}`)?.errorType, "TypeError");
  });
});

describe("signatures", () => {
  it("normalizes frames and messages", () => {
    assert.equal(
      normalizeFrame(
        parseFrame("async Server.handle [as h] (file:///usr/src/app/lib/x.3f2a1b9c0d.js:3:4)") ?? {
          function: "",
        },
      ),
      "handle (lib/x.*.js)",
    );
    assert.equal(normalizeMessage("order 4121 of 0x7ffd12 failed"), "order # of <addr> failed");
    assert.equal(
      normalizeMessage(`id ${"7".repeat(100_000)}x ab12 deadbeef9`),
      `id ${"7".repeat(100_000)}x ab12 #`,
    );
  });

  it("stands in signal, executable and library where there is no stack", () => {
    const none = crashSignature(undefined, { signalName: "SIGSEGV", exe: "node", library: "libsharp.so" });
    assert.equal(none.title, "SIGSEGV in libsharp.so (node)");
    assert.equal(none.kind, "native-fault");
    const other = crashSignature(undefined, { signalName: "SIGSEGV", exe: "node" });
    assert.notEqual(other.signature, none.signature);
    const crash = crashFromLog("Uncaught Error: boom\n\nFROM\nrun (/app/a.js:1:1)\n");
    assert.ok(crash);
    assert.equal(crashSignature(crashFacts(crash), {}).title, "Error: boom at run (a.js)");
  });
});
