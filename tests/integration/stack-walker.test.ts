import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { readJsStack } from "../../src/v8-stack/read-js-stack.js";
import { arm64Core, arm64Node } from "../support/arm64-core.js";
import { type CrashKind, kindCore } from "../support/kind-core.js";
import { officialNode } from "../support/node-builds.js";
import { type OptimizedWay, optimizedCore } from "../support/optimized-core.js";
import { places, printedFrames } from "../support/printed-stack.js";
import { realCore } from "../support/real-core.js";
import { repoRoot } from "../support/repo-root.js";

const VERSIONS = ["18.20.4", "20.20.2", "22.22.0", "24.11.0", "26.12.1"];

/** The stack walker reads the frames from the core and the executable alone: no debugger runs here. */
describe("the stack walker, on real crashes of the official Node builds", () => {
  it("uncaught exception: every frame V8 printed before aborting, names and call sites", async () => {
    for (const version of VERSIONS) {
      const crash = await realCore({ node: await officialNode(version) });
      const expected = printedFrames(crash.stderr, "FROM");
      assert.ok(expected.length >= 4, `${version}: ${crash.stderr}`);
      const { frames, found, thrown } = await readJsStack(crash.core, crash.node, version);
      assert.deepEqual(
        frames.map(({ function: name, file, line, column }) => ({ function: name, file, line, column })),
        expected,
        version,
      );
      // The TypeError V8 made in C++ (`is not a function`), held by V8's handles below the exit from JS.
      assert.deepEqual([thrown?.type, thrown?.message], uncaughtLine(crash.stderr), version);
      // On x86_64 the isolate's own record of the last exit from JS, through the thread pointer (V8 10,
      // Node 18, keeps its isolate in pthread's keys, not in a thread-local variable).
      assert.equal(found, version.startsWith("18.") ? "stack" : "thread-local top", version);
      assert.ok(
        frames.every((frame) => frame.position === "call site"),
        version,
      );
    }
  });

  for (const kind of ["abort", "fatal-error", "unhandled-rejection"] as CrashKind[]) {
    it(`${kind}: the call sites Node printed in its JavaScript stack trace`, async () => {
      for (const version of VERSIONS) {
        const crash = await kindCore(kind, version);
        const expected = printedFrames(crash.stderr, "node");
        if (expected.length === 0 && version.startsWith("18.")) continue; // Node 18 prints none for some deaths
        assert.ok(expected.length > 0, `${kind}@${version}: ${crash.stderr}`);
        const { frames } = await readJsStack(crash.core, crash.node, version);
        assert.deepEqual(places(frames), places(expected), `${kind}@${version}`);
      }
    });
  }

  it("native fault in a C addon: the JS function that called into it, at the call", async () => {
    const script = await readFile(
      path.join(repoRoot(), "tests", "fixtures", "crash-kinds", "native-fault.js"),
      "utf8",
    );
    const lines = script.split("\n");
    const lineIndex = lines.findIndex((text) => text.includes("invoice.render("));
    const column = (lines[lineIndex] as string).indexOf("render(") + 1;
    for (const version of VERSIONS) {
      const crash = await kindCore("native-fault", version);
      const { frames } = await readJsStack(crash.core, crash.node, version);
      const caller = frames.find((frame) => frame.file === crash.scriptAsRun);
      assert.deepEqual(
        [caller?.function, caller?.line, caller?.column],
        ["renderInvoice", lineIndex + 1, column],
        `${version}: ${JSON.stringify(frames)}`,
      );
    }
  });

  it("optimized frames (TurboFan, Maglev) with the functions inlined into them, and baseline frames: the script's frames V8 printed", async () => {
    const cases: Array<[string, OptimizedWay]> = [
      ["20.20.2", "turbofan"],
      ["22.22.0", "turbofan"],
      ["24.11.0", "maglev"],
      ["24.11.0", "turbofan"],
      ["26.12.1", "maglev"],
      ["26.12.1", "turbofan"],
    ];
    for (const [version, way] of cases) {
      const label = `${version} ${way}`;
      const crash = await optimizedCore(await officialNode(version), way);
      const { frames } = await readJsStack(crash.core, crash.node, version);
      const inScript = (list: ReadonlyArray<{ file?: string }>) =>
        list.filter((frame) => frame.file === crash.scriptAsRun);
      // V8 printed ten frames at most: the script's own are among them.
      assert.deepEqual(
        places(inScript(frames)),
        places(inScript(printedFrames(crash.stderr, "FROM"))),
        label,
      );
      assert.ok(
        frames.some((frame) => frame.inlined),
        `${label}: no inlined frame`,
      );
      assert.ok(
        frames.some((frame) => frame.tier === "baseline"),
        `${label}: no baseline frame`,
      );
    }
  });

  it("arm64 cores made under qemu-user: the frames V8 printed", async () => {
    for (const version of ["20.20.2", "26.12.1"]) {
      const crash = await arm64Core(version);
      const { frames, found, thrown } = await readJsStack(crash.core, await arm64Node(version), version);
      // qemu-user's cores carry no thread pointer: the exit frame is found on the stack.
      assert.equal(found, "stack", version);
      assert.deepEqual(places(frames), places(printedFrames(crash.stderr, "FROM")), `arm64 ${version}`);
      assert.deepEqual([thrown?.type, thrown?.message], uncaughtLine(crash.stderr), `arm64 ${version}`);
    }
  });
});

/** The type and message of V8's `Uncaught TypeError: …` line, as the process printed it. */
function uncaughtLine(stderr: string): [string, string] {
  const match = /^Uncaught (\w+): (.*)$/m.exec(stderr);
  assert.ok(match?.[1] && match[2] !== undefined, stderr);
  return [match[1], match[2]];
}
