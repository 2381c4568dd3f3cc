import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderReport } from "../../src/report/render-report.js";
import type { Report } from "../../src/report/report.js";
import { unstyled } from "../../src/ui/untrusted-text.js";

/** The frames of the tutorial's crash as V8 printed them before aborting (Node 26.12.1). */
const PRINTED = [
  { function: "Server.myRequestListener", file: "/app/server.js", line: 9, column: 7 },
  { function: "Server.emit", file: "node:events", line: 514, column: 20 },
];

function reportWith(jsStack: Report["jsStack"]): Report {
  return {
    id: "2fd5c8a1-0000-4000-8000-000000000000",
    timestamp: null,
    namespace: null,
    pod: null,
    nodeHostname: null,
    images: [],
    executable: null,
    machine: null,
    exePath: null,
    pid: null,
    signal: 6,
    signalName: "SIGABRT",
    nodeVersion: "26.12.1",
    kind: "uncaught-exception",
    kindSigns: [],
    error: null,
    jsStack,
    v8Printed: { errorType: "TypeError", message: "res.not_a_function is not a function", frames: PRINTED },
    nodePrinted: [],
    nativeFrames: [],
    debugger: null,
    logs: [],
    coreTruncated: null,
  };
}

/** llnode's frames: the printed ones, the first at `firstLine` (9 where llnode read it right). */
function llnodeFrames(firstLine: number): Report["jsStack"] {
  return PRINTED.map((printed, index) => ({
    function: printed.function.replace(/^Server\./, ""),
    file: printed.file,
    line: index === 0 ? firstLine : printed.line,
    column: printed.column,
    source: "llnode" as const,
    position: "call site" as const,
    matchesV8Printed: index !== 0 || firstLine === printed.line,
  }));
}

describe("report: the JavaScript stack shown first is never one that differs from what V8 printed", () => {
  it("puts V8's printed stack first where llnode's differs, and names both positions of each differing frame", () => {
    const text = unstyled(renderReport(reportWith(llnodeFrames(8))));
    const printedAt = text.indexOf("JavaScript stack (as V8 printed it before aborting");
    const llnodeAt = text.indexOf("llnode's stack (1 of 2 frames as V8 printed them");
    assert.ok(printedAt >= 0 && llnodeAt > printedAt, text);
    assert.match(
      text,
      /\/app\/server\.js:8:7 \(V8 printed Server\.myRequestListener \/app\/server\.js:9:7\)/,
    );
    assert.doesNotMatch(text, /node:events:514:20 \(V8 printed/);
  });

  it("shows llnode's stack alone, first, where every frame is where V8 printed it", () => {
    const text = unstyled(renderReport(reportWith(llnodeFrames(9))));
    assert.match(
      text,
      /JavaScript stack \(llnode, call sites; the same as the stack V8 printed before aborting\)/,
    );
    assert.doesNotMatch(text, /as V8 printed it before aborting, call sites/);
  });
});
