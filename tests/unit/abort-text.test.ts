import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findAbortText } from "../../src/report/abort-text.js";

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
});
