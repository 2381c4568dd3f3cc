/**
 * `coredump debug --batch -o 'v8 bt'` with the project's llnode on real cores of an optimized hot path
 * (tests/support/optimized-core.ts) under the official builds of Node 18 to 26: every frame of the script
 * that V8 printed before aborting appears, in V8's order and at V8's call sites, the frames inlined into
 * optimized code (TurboFan, Maglev) and the baseline (Sparkplug) frames included.
 */
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { coredump, freshCacheHome, json } from "../support/cli.js";
import { crashSpec } from "../support/crash-dumps.js";
import { looseDump, writeToDirectory } from "../support/handler-layout.js";
import { projectLlnode } from "../support/llnode-plugin.js";
import { officialNode } from "../support/node-builds.js";
import { type OptimizedCore, type OptimizedWay, optimizedCore } from "../support/optimized-core.js";

const CASES: Array<{ version: string; way: OptimizedWay; optimizer: RegExp }> = [
  { version: "18.20.4", way: "turbofan", optimizer: /checkout .*\(target TURBOFAN/ },
  { version: "20.20.2", way: "turbofan", optimizer: /checkout .*\(target TURBOFAN/ },
  { version: "22.22.0", way: "turbofan", optimizer: /checkout .*\(target TURBOFAN/ },
  { version: "24.11.0", way: "turbofan", optimizer: /checkout .*\(target TURBOFAN/ },
  { version: "24.11.0", way: "maglev", optimizer: /checkout .*\(target MAGLEV\)/ },
  { version: "26.12.1", way: "turbofan", optimizer: /checkout .*\(target TURBOFAN/ },
  { version: "26.12.1", way: "maglev", optimizer: /checkout .*\(target MAGLEV\)/ },
];

type Frame = { index: number; name: string; at: string; inlined: boolean; functionStart: boolean };

interface Run {
  label: string;
  crash: OptimizedCore;
  optimizer: RegExp;
  way: OptimizedWay;
  output: string;
  /** `coredump report --json` on the same dump. */
  report: { jsStack: Array<{ function: string; matchesV8Printed?: boolean }> };
}

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The frames of the script in V8's FROM block (one a line, or run together on Node 18): name and place. */
function printedFrames(crash: OptimizedCore): Array<{ name: string; at: string }> {
  const from = crash.stderr.slice(crash.stderr.indexOf("FROM"));
  const frame = new RegExp(`([A-Za-z_$][\\w$.<>]*) \\((${escaped(crash.scriptAsRun)}:\\d+:\\d+)\\)`, "g");
  return [...from.matchAll(frame)].map((match) => ({ name: match[1] ?? "", at: match[2] ?? "" }));
}

/** The frames of the script in `v8 bt`: `frame #7: 0x… priceOf(<inlined>) at /…/hot.js:8:15`. */
function backtraceFrames(output: string, script: string): Frame[] {
  const line = new RegExp(
    `frame #(\\d+): 0x[0-9a-f]+ ([\\w$.]*|\\(anonymous\\))\\((.*?)\\) at (${escaped(script)}:\\d+:\\d+)( \\(function start[^)]*\\))?`,
    "g",
  );
  return [...output.matchAll(line)].map((match) => ({
    index: Number(match[1]),
    name: match[2] ?? "",
    at: match[4] ?? "",
    inlined: match[3] === "<inlined>",
    functionStart: match[5] !== undefined,
  }));
}

describe("v8 bt on optimized, inlined and baseline frames, Node 18 to 26", () => {
  const runs: Run[] = [];

  before(async () => {
    const plugin = await projectLlnode();
    const folder = await mkdtemp(path.join(tmpdir(), "coredump-optimized-"));
    const store = path.join(folder, "store");
    for (const { version, way, optimizer } of CASES) {
      const node = await officialNode(version);
      const crash = await optimizedCore(node, way);
      const spec = crashSpec(crash);
      await writeToDirectory(looseDump(spec), store);
      const result = await coredump(
        [
          "debug",
          spec.uuid,
          "--dir",
          store,
          "--workdir",
          path.join(folder, "work"),
          "--batch",
          "-o",
          "v8 bt",
        ],
        // LLNODE_DEBUG makes the plugin say which compiler made the code of each frame it reads.
        { XDG_CACHE_HOME: freshCacheHome(), LLNODE_PLUGIN: plugin, LLNODE_DEBUG: "true" },
      );
      assert.equal(result.exitCode, 0, result.stderr);
      const report = await coredump(
        [
          "report",
          spec.uuid,
          "--dir",
          store,
          "--workdir",
          path.join(folder, "work"),
          "--binary",
          node,
          "--json",
        ],
        { XDG_CACHE_HOME: freshCacheHome(), LLNODE_PLUGIN: plugin },
      );
      assert.equal(report.exitCode, 0, report.stderr);
      runs.push({
        label: `${version} ${way}`,
        crash,
        optimizer,
        way,
        output: `${result.stdout}\n${result.stderr}`,
        report: json<Run["report"]>(report),
      });
    }
  });

  it("lists every frame of the script that V8 printed, in order, at V8's call sites", () => {
    for (const { label, crash, output } of runs) {
      const printed = printedFrames(crash);
      assert.deepEqual(
        printed.map((frame) => frame.name),
        ["priceOf", "checkout", "serve", "Object.<anonymous>"],
        `${label}: ${crash.stderr}`,
      );
      const frames = backtraceFrames(output, crash.scriptAsRun);
      assert.deepEqual(
        frames.map((frame) => frame.at),
        printed.map((frame) => frame.at),
        `${label}: ${output}`,
      );
      assert.deepEqual(
        frames.slice(0, 3).map((frame) => frame.name),
        ["priceOf", "checkout", "serve"],
        label,
      );
      assert.ok(
        frames.every((frame) => !frame.functionStart),
        label,
      );
    }
  });

  it("shows priceOf inlined into the optimized frame of its caller", () => {
    for (const { label, output, crash } of runs) {
      const frames = backtraceFrames(output, crash.scriptAsRun);
      const [priceOf] = frames;
      assert.equal(priceOf?.inlined, true, `${label}: ${output}`);
      // One physical frame: the same frame number, whose last line is the optimized function itself
      // (checkout; on Node 18 and 20 TurboFan also inlines checkout into serve).
      const physical = frames.find((frame) => !frame.inlined);
      assert.equal(physical?.index, priceOf?.index, label);
      assert.ok(["checkout", "serve"].includes(physical?.name ?? ""), label);
    }
  });

  it("read TurboFan's or Maglev's code and baseline code, as V8 says it compiled them", () => {
    for (const { label, crash, optimizer, way, output } of runs) {
      assert.match(crash.tiers, optimizer, label);
      const kinds = [...output.matchAll(/frame at pc 0x[0-9a-f]+: code 0x[0-9a-f]+, (\w+)/g)].map(
        (m) => m[1],
      );
      assert.equal(kinds[0], way, `${label}: ${kinds.join(", ")}`);
      assert.ok(kinds.includes("baseline"), `${label}: ${kinds.join(", ")}`);
      if (way === "turbofan")
        assert.match(crash.tiers, /<SharedFunctionInfo serve> \(target BASELINE\)/, label);
    }
  });

  it("report finds the script's frames, the inlined one first, the same as the stack V8 printed", () => {
    for (const { label, report } of runs) {
      const script = report.jsStack.slice(0, 4);
      // The stack walker names the module's function as V8 prints it (`Object.<anonymous>`); llnode, which
      // report asks where the walker does not place optimized frames (Node 18), `(anonymous)`.
      assert.deepEqual(
        script.map((frame) => (frame.function === "(anonymous)" ? "Object.<anonymous>" : frame.function)),
        ["priceOf", "checkout", "serve", "Object.<anonymous>"],
        label,
      );
      assert.ok(
        script.every((frame) => frame.matchesV8Printed),
        `${label}: ${JSON.stringify(script)}`,
      );
    }
  });
});
