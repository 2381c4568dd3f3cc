import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findAbortText } from "../../src/report/abort-text.js";
import {
  findFatalMessage,
  findLastGc,
  findMaxOldSpaceMb,
  findPrintedError,
} from "../../src/report/crash-text.js";
import type { Evidence } from "../../src/report/evidence.js";
import { isJsNamePath } from "../../src/report/js-frame.js";
import { classify } from "../../src/report/kinds/classify.js";
import { readLogText } from "../../src/report/log-text.js";
import { findNodeJsStack } from "../../src/report/node-stack.js";

/** What Node 22.22.0 printed of an unhandled rejection under --abort-on-uncaught-exception. */
const REJECTION_LOG = [
  "/app/async.js:8",
  "  return user.profile.name;",
  "              ^",
  "",
  "TypeError: Cannot read properties of undefined (reading 'profile')",
  "    at handle (/app/async.js:8:15)",
  "",
  "Node.js v22.22.0",
  "----- Native stack trace -----",
  "",
  " 1: 0xfa1094  [/usr/local/bin/node]",
  " 2: 0x7f0f23e0f5e2 ",
  "",
  "----- JavaScript stack trace -----",
  "",
  "1: throwUnhandledRejectionsMode (node:internal/process/promises:394:5)",
  "2: processPromiseRejections (node:internal/process/promises:475:17)",
  "3: processTicksAndRejections (node:internal/process/task_queues:106:32)",
  "",
].join("\n");

const OOM_LOG = [
  "<--- Last few GCs --->",
  "[20048:0x27180000]     1481 ms: Mark-Compact 62.6 (84.6) -> 57.1 (94.6) MB, pooled: 0 MB, 334.38 / 0.00 ms",
  "[20048:0x27180000]     2163 ms: Mark-Compact (reduce) 65.0 (94.6) -> 63.8 (69.4) MB, pooled: 0 MB",
  "<--- JS stacktrace --->",
  "",
  "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
  "----- Native stack trace -----",
  "",
  " 1: 0xe40d24 node::OOMErrorHandler(char const*, v8::OOMDetails const&) [/usr/local/bin/node]",
  "",
].join("\n");

describe("Node's numbered JavaScript stack", () => {
  it("reads named and anonymous frames", () => {
    const text = `\u0000${REJECTION_LOG}\n1: open (/app/fatal.js:4:10)\n2: /app/fatal.js:6:1\n3: node:internal/modules/cjs/loader:1706:14\n4: x (/app/y.js:1:2)\n\u0000`;
    assert.deepEqual(findNodeJsStack(text), [
      { function: "open", file: "/app/fatal.js", line: 4, column: 10 },
      { function: "", file: "/app/fatal.js", line: 6, column: 1 },
      { function: "", file: "node:internal/modules/cjs/loader", line: 1706, column: 14 },
      { function: "x", file: "/app/y.js", line: 1, column: 2 },
    ]);
    assert.equal(findNodeJsStack(REJECTION_LOG)[0]?.function, "throwUnhandledRejectionsMode");
  });

  it("never offers a name that is not a JS identifier path, and cuts a garbled copy where it breaks", () => {
    const garbled =
      "1: \u00b3E2=\\dRejectionsMode (node:internal/process/promises:394:5)\n2: processPromiseRejections (node:internal/process/promises:475:17)\n";
    assert.deepEqual(findNodeJsStack(garbled), []);
    const cut =
      "1: shutdown (/app/abort.js:3:11)\n2: listOnTimeout (node:internal/timers:581:17)\n3: pro\u00d7\u00ae=s (node:x:1:1)\n";
    assert.deepEqual(
      findNodeJsStack(cut).map((frame) => frame.function),
      ["shutdown", "listOnTimeout"],
    );
    // Two copies run together make no script name.
    assert.deepEqual(
      findNodeJsStack("1: open (/work/.stage-1/fatal-s/loader:237:24)\n2: a (node:x:1:1)\n"),
      [],
    );
    // Numbering that does not run on is not one stack.
    assert.deepEqual(findNodeJsStack("2: a (b:1:1)\n3: c (d:1:1)\n"), []);
  });

  it("is not mistaken for V8's own uncaught-exception frames", () => {
    const abort = findAbortText(`\u0000${REJECTION_LOG}\u0000`);
    assert.ok(abort.frames.every((frame) => isJsNamePath(frame.function)));
    assert.ok(!abort.frames.some((frame) => /^\d/.test(frame.function)));
  });
});

describe("JS names", () => {
  it("accepts what V8 prints and refuses other bytes", () => {
    for (const name of [
      "handle",
      "Server.myRequestListener",
      "Object.<anonymous>",
      "new Session",
      "async handle",
      "a.b [as c]",
      "$_x1",
      // `Module._extensions['.js']`, as Node 22's and 26's V8 print it in their FROM block.
      "Object..js",
    ]) {
      assert.ok(isJsNamePath(name), name);
    }
    for (const name of [
      "\u00b3E2=\\dRejectionsMode",
      "2: processPromiseRejections",
      "",
      "a b",
      "a...b",
      "a..",
      "at handle",
    ]) {
      assert.ok(!isJsNamePath(name), name);
    }
  });
});

describe("the lines Node and V8 print when they die", () => {
  it("finds the fatal message of each format, and not the format string", () => {
    assert.equal(
      findFatalMessage(OOM_LOG),
      "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
    );
    assert.equal(findFatalMessage("\u0000FATAL ERROR: %s %s\u0000"), undefined);
    assert.equal(
      findFatalMessage(
        "  #  /usr/local/bin/node[7]: static void node::TCPWrap::New(const v8::FunctionCallbackInfo<v8::Value>&) at ../src/tcp_wrap.cc:158\n  #  Assertion failed: args[0]->IsInt32()\n",
      ),
      "Assertion failed: args[0]->IsInt32() (static void node::TCPWrap::New(const v8::FunctionCallbackInfo<v8::Value>&) at ../src/tcp_wrap.cc:158)",
    );
    assert.equal(
      findFatalMessage(
        "/usr/local/bin/node[7]: ../src/tcp_wrap.cc:155:static void node::TCPWrap::New(const v8::FunctionCallbackInfo<v8::Value>&): Assertion `args[0]->IsInt32()' failed.\n",
      ),
      "Assertion failed: args[0]->IsInt32() (../src/tcp_wrap.cc:155:static void node::TCPWrap::New(const v8::FunctionCallbackInfo<v8::Value>&))",
    );
    assert.equal(
      findFatalMessage("\n#\n# Fatal error in , line 0\n# Check failed: x.\n"),
      "Fatal error in : Check failed: x.",
    );
  });

  it("reads the last collection, the heap limit and the printed error", () => {
    assert.deepEqual(findLastGc(OOM_LOG), { beforeMb: 65, afterMb: 63.8 });
    assert.equal(findMaxOldSpaceMb("node\u0000--max-old-space-size=64\u0000app.js"), 64);
    assert.equal(findMaxOldSpaceMb("node app.js"), undefined);
    assert.deepEqual(findPrintedError(REJECTION_LOG), {
      type: "TypeError",
      message: "Cannot read properties of undefined (reading 'profile')",
      frames: [{ function: "handle", file: "/app/async.js", line: 8, column: 15 }],
    });
  });
});

function evidence(partial: Partial<Evidence>): Evidence {
  return { signal: null, nativeFrames: [], core: { abort: { frames: [] }, nodeStack: [] }, ...partial };
}

const ABORT_PATH = ["__pthread_kill_implementation", "__GI_raise", "__GI_abort"];

describe("the kind of death", () => {
  it("out of memory, from the native frames, the signal and the log", () => {
    const decided = classify(
      evidence({
        signal: 6,
        nativeFrames: [...ABORT_PATH, "node::OOMErrorHandler(char const*, v8::OOMDetails const&)"],
        log: readLogText(OOM_LOG),
      }),
    );
    assert.equal(decided.kind, "out-of-memory");
    assert.deepEqual(
      new Set(decided.signs.map((sign) => sign.source)),
      new Set(["signal", "native frames", "log"]),
    );
  });

  it("unhandled rejection, from the signal and Node's stack in the core, without a debugger or log", () => {
    const stack = findNodeJsStack(REJECTION_LOG);
    assert.equal(
      classify(evidence({ signal: 6, core: { abort: { frames: [] }, nodeStack: stack } })).kind,
      "unhandled-rejection",
    );
  });

  it("fatal error, abort, uncaught exception, native fault and snapshot", () => {
    assert.equal(
      classify(
        evidence({
          signal: 6,
          nativeFrames: [...ABORT_PATH, "node::Assert(node::AssertionInfo const&)"],
          log: readLogText("  #  node[1]: f at a.cc:1\n  #  Assertion failed: x\n"),
        }),
      ).kind,
      "fatal-error",
    );
    const shutdown = [{ function: "shutdown", file: "/app/abort.js", line: 3, column: 11 }];
    assert.equal(
      classify(
        evidence({
          signal: 6,
          nativeFrames: [...ABORT_PATH, "node::Abort(v8::FunctionCallbackInfo<v8::Value> const&)"],
          core: { abort: { frames: [] }, nodeStack: shutdown },
        }),
      ).kind,
      "abort",
    );
    assert.equal(
      classify(
        evidence({
          signal: 5,
          nativeFrames: ["v8::base::OS::Abort()", "v8::internal::Isolate::CreateMessageOrAbort(…)"],
          core: { abort: { errorType: "TypeError", frames: [] }, nodeStack: [] },
        }),
      ).kind,
      "uncaught-exception",
    );
    assert.equal(
      classify(evidence({ signal: 11, nativeFrames: ["crash_here", "napi_call"] })).kind,
      "native-fault",
    );
    assert.equal(
      classify(evidence({ signal: 0, nativeFrames: ["epoll_wait", "uv__io_poll"] })).kind,
      "snapshot",
    );
  });

  it("decides nothing from one source alone", () => {
    assert.equal(classify(evidence({ signal: 6 })).kind, "unknown");
    assert.equal(
      classify(evidence({ nativeFrames: ["node::OOMErrorHandler(char const*)"] })).kind,
      "unknown",
    );
  });
});
