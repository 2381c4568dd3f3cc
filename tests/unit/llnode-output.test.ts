import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pluginReadsNode } from "../../src/debuggers/llnode-limits.js";
import { backtraceReadHeap, parseBacktrace } from "../../src/debuggers/llnode-output.js";

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

// `v8 bt` on real Node 22 cores: a process.abort() read by the project's plugin and by llnode as published,
// and a heap out of memory, which aborts from a GC task with no JS on the stack.
const NATIVE_TOP = [
  "  * frame #0: 0x00007fc5e25c8eec libc.so.6`__pthread_kill_implementation(signo=6) at pthread_kill.c:44:76",
  "    frame #3: 0x000000000102e6dd node.nodebug`node::Abort(v8::FunctionCallbackInfo<v8::Value> const&) + 45",
];
const READ = [
  ...NATIVE_TOP,
  "    frame #4: 0x00007fc5db5cf5e2",
  "    frame #5: 0x00007fc5db5cd8de shutdown(this=0x4d7c9e63f31:<Object: Timeout>) at /app/abort.js:2:11 fn=0x000004d7c9e63e91",
  "    frame #8: 0x00007fc5db5cb4dc <internal>",
].join("\n");
const BARE = [
  ...NATIVE_TOP,
  "    frame #4: 0x00007fc5db5cf5e2",
  "    frame #5: 0x00007fc5db5cd8de",
  "    frame #8: 0x00007fc5db5cb4dc <internal>",
  "    frame #9: 0x00007fc5db5cb203 <entry>",
].join("\n");
const NO_JS = [
  ...NATIVE_TOP,
  "    frame #7: 0x000000000145e109 node.nodebug`v8::internal::Heap::CollectGarbage(v8::internal::AllocationSpace) + 1049",
  "    frame #8: 0x00000000014a683d node.nodebug`v8::internal::MinorGCJob::Task::RunInternal() + 93",
].join("\n");

describe("backtraceReadHeap", () => {
  it("is true where a JS frame was named from the heap, false where V8 frames are bare addresses", () => {
    assert.equal(backtraceReadHeap(READ), true);
    assert.equal(backtraceReadHeap(BARE), false);
  });

  it("tells nothing of a stack with no JS on it", () => {
    assert.equal(backtraceReadHeap(NO_JS), undefined);
  });
});

describe("pluginReadsNode", () => {
  const plugin = (published: boolean) => ({ path: "/llnode.so", origin: "test", published });
  it("reads Node 16 to 20 as published, and to 24 with the project's patches", () => {
    assert.deepEqual(
      ["20.20.2", "22.22.0", "24.11.0", "26.0.0"].map((version) => pluginReadsNode(plugin(true), version)),
      [true, false, false, false],
    );
    assert.deepEqual(
      ["20.20.2", "22.22.0", "24.11.0", "26.0.0"].map((version) => pluginReadsNode(plugin(false), version)),
      [true, true, true, false],
    );
    assert.equal(pluginReadsNode(plugin(false), undefined), false);
  });
});
