import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import chalk from "chalk";
import {
  jsonText,
  paint,
  style,
  visibleLine,
  visibleText,
  writeJsonArray,
} from "../../src/ui/untrusted-text.js";

describe("untrusted text: control characters shown as escapes", () => {
  it("escapes C0, DEL, C1, bidi controls and the line separators", () => {
    assert.equal(visibleLine("a\u001b]0;t\u0007b"), "a\\x1b]0;t\\x07b");
    assert.equal(visibleLine("x\ry\b\u007f\u0085"), "x\\x0dy\\x08\\x7f\\x85");
    assert.equal(visibleLine("\u202eabc\u2066\u200f\u061c"), "\\u202eabc\\u2066\\u200f\\u061c");
    assert.equal(visibleLine("1\u20282\u20293"), "1\\u20282\\u20293");
  });

  it("a line loses its newlines and tabs, a block keeps them", () => {
    assert.equal(visibleLine("a\nb\tc"), "a\\x0ab\\x09c");
    assert.equal(visibleText("a\nb\tc\u001b[2J"), "a\nb\tc\\x1b[2J");
  });

  it("leaves printable text of every script alone, and is idempotent", () => {
    const text = "pod-7f9 ünïcødé 日本語 🙂 \\x1b";
    assert.equal(visibleLine(text), text);
    assert.equal(visibleLine(visibleLine("\u001b")), "\\x1b");
  });

  it("SGR from the dump is escaped whether colour is on or off; coredump's own styles are painted after", () => {
    const level = chalk.level;
    try {
      for (const on of [0, 1] as const) {
        chalk.level = on;
        assert.equal(visibleLine("\u001b[31mred"), "\\x1b[31mred");
      }
      chalk.level = 1;
      assert.equal(visibleLine(chalk.red("red")), "\\x1b[31mred\\x1b[39m", "even chalk's, used directly");
      const styled = style.bold(visibleLine("\u001b[8mhidden"));
      chalk.level = 1;
      assert.equal(paint(styled), "\u001b[1m\\x1b[8mhidden\u001b[22m");
      chalk.level = 0;
      assert.equal(paint(styled), "\\x1b[8mhidden");
    } finally {
      chalk.level = level;
    }
  });

  it("escapes zero-width and invisible characters, so two names that differ look different", () => {
    for (const code of [0x200b, 0x200c, 0x200d, 0x2060, 0x2064, 0xfeff]) {
      const char = String.fromCodePoint(code);
      assert.equal(visibleLine(`a${char}b`), `a\\u${code.toString(16).padStart(4, "0")}b`);
      assert.ok(!jsonText(`a${char}`).includes(char));
    }
  });

  it("JSON stays valid and exact, with DEL, C1 and bidi controls as \\u escapes", () => {
    const value = { pod: "a\u007f\u009b\u202e\u2028\u001b" };
    const text = jsonText(value);
    for (const raw of ["\u007f", "\u009b", "\u202e", "\u2028", "\u001b"]) assert.ok(!text.includes(raw));
    assert.deepEqual(JSON.parse(text), value);
  });

  it("an array written element by element is the very text jsonText gives, in pieces", async () => {
    const written = async (items: unknown[]) => {
      const sink = new PassThrough();
      const pieces: string[] = [];
      sink.on("data", (chunk: Buffer) => pieces.push(chunk.toString("utf8")));
      await writeJsonArray(sink, items, (item) => item);
      return pieces;
    };
    const many = Array.from({ length: 3000 }, (_, index) => ({
      id: `dump-${index}`,
      keys: [`a/${index}.zip`],
      nested: { empty: [], none: {}, pod: "x\u202e\u007f" },
    }));
    for (const items of [
      [],
      [1],
      [{ a: [1, { b: null }] }, "s\n"],
      many.slice(0, 256),
      many.slice(0, 257),
      many,
    ]) {
      assert.equal((await written(items)).join(""), jsonText(items));
    }
    assert.ok((await written(many)).length > 1, "a long array is written in more than one piece");
  });
});
