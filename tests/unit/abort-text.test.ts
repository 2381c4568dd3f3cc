import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AbortTextScan, findAbortText } from "../../src/report/abort-text.js";

describe("findAbortText", () => {
  it("finds V8's frames and uncaught error among other bytes", () => {
    const text = [
      "\u0000\u0000garbage function foo() { bar(1)\n}\u0000",
      "Uncaught TypeError: res.not_a_function is not a function\u0000\u0000",
      "\u0000Server.myRequestListener (/usr/src/app/server.js:9:7)\nServer.emit (node:events:524:28)\n",
      "parserOnIncoming (node:_http_server:1139:12)\u0000",
      "lonely (x.js:1:1)\n\u0000",
    ].join("");
    assert.deepEqual(findAbortText(text), {
      errorType: "TypeError",
      message: "res.not_a_function is not a function",
      frames: [
        { function: "Server.myRequestListener", file: "/usr/src/app/server.js", line: 9, column: 7 },
        { function: "Server.emit", file: "node:events", line: 524, column: 28 },
        { function: "parserOnIncoming", file: "node:_http_server", line: 1139, column: 12 },
      ],
    });
  });

  it("finds nothing in a core of a crash that printed no stack", () => {
    assert.deepEqual(findAbortText("\u0000segfault\u0000(a:b)\n"), { frames: [] });
  });
  it("prefers an intact copy of the frames to one whose start other bytes overwrote", () => {
    const intact = "Server.myRequestListener (/app/server.js:9:7)\nServer.emit (node:events:524:28)\n";
    const damaged = "\u00d6\u00ae\u00c5Listener (/app/server.js:9:7)\nServer.emit (node:events:524:28)\n";
    const scan = new AbortTextScan();
    scan.add(`\u0000${damaged}\u0000`);
    scan.add(`\u0000${intact}\u0000`);
    assert.equal(scan.result().frames[0]?.function, "Server.myRequestListener");
  });

  it("takes the copy seen most often among plain ones of one length", () => {
    const block = (name: string) => `\u0000${name} (/app/a.js:1:2)\nb (/app/b.js:3:4)\n\u0000`;
    assert.equal(findAbortText(block("xyzmain") + block("main") + block("main")).frames[0]?.function, "main");
  });

  it("keeps the longest block even when a shorter one is cleaner", () => {
    const long = "\u00e9a (/app/a.js:1:2)\nb (/app/b.js:3:4)\nc (/app/c.js:5:6)\n";
    const short = "a (/app/a.js:1:2)\nb (/app/b.js:3:4)\n";
    assert.equal(findAbortText(`\u0000${short}\u0000${long}\u0000`).frames.length, 3);
  });
});
