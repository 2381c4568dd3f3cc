/**
 * Each JS frame's receiver and arguments, as llnode's `v8 bt` shows them, read by the project's own stack
 * walker: a method called with a known receiver and known arguments printed them before throwing, uncaught,
 * on the official Node builds; `report` reads the dump from RGW in the handler's layout.
 */
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { visibleLine } from "../../src/ui/untrusted-text.js";
import { MAX_STRING_CHARS } from "../../src/v8-stack/frame-values.js";
import { readJsStack } from "../../src/v8-stack/read-js-stack.js";
import { pushAppImage } from "../support/app-image.js";
import { type ArgsCore, argsCore } from "../support/args-core.js";
import { coredump, freshCacheHome, json } from "../support/cli.js";
import { crashSpec } from "../support/crash-dumps.js";
import { zipDump } from "../support/handler-layout.js";
import { officialNode } from "../support/node-builds.js";
import { optimizedCore } from "../support/optimized-core.js";
import { printedFrames } from "../support/printed-stack.js";
import type { ReportFrameJson } from "../support/report-json.js";
import { freshBucket, putObjects, rigS3, s3Env } from "../support/s3-rig.js";

const VERSIONS = ["20.20.2", "22.22.0", "24.11.0", "26.12.1"];

interface ValuesFrame extends ReportFrameJson {
  matchesV8Printed?: boolean;
  receiver?: string | null;
  arguments?: string[] | null;
}

/** What `post` printed it was given, as the report describes each value. */
function expectedValues({ given }: ArgsCore): { receiver: string; arguments: string[] } {
  const memo = given.memo.slice(0, MAX_STRING_CHARS);
  return {
    receiver: `<Object: ${given.receiver}>`,
    arguments: [
      String(given.amount),
      String(given.count),
      `<String: ${JSON.stringify(memo)}${given.memo.length > memo.length ? "…" : ""}>`,
      `<Object: ${given.customer}>`,
      `<Array: length ${given.items}>`,
    ],
  };
}

describe("a frame's receiver and arguments, on real crashes of the official Node builds", () => {
  const dumps = new Map<string, { id: string; crash: ArgsCore }>();
  let env: Record<string, string>;
  let workdir: string;

  before(async () => {
    const s3 = rigS3();
    const bucket = await freshBucket(s3, "frame-values");
    for (const version of VERSIONS) {
      const crash = await argsCore(version);
      const image = await pushAppImage(crash.node, "/usr/local/bin/node", `frame-values-${version}`);
      const spec = crashSpec(crash, image);
      await putObjects(s3, bucket, zipDump(spec));
      dumps.set(version, { id: spec.uuid, crash });
    }
    workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    env = { ...s3Env(s3, bucket), XDG_CACHE_HOME: freshCacheHome() };
  });

  async function report(version: string, json: boolean) {
    const dump = dumps.get(version);
    assert.ok(dump, version);
    const result = await coredump(
      ["report", dump.id, "--workdir", workdir, ...(json ? ["--json"] : [])],
      env,
    );
    assert.equal(result.exitCode, 0, `${version}: ${result.stderr}`);
    return { result, crash: dump.crash };
  }

  it("report --json: the throwing method's receiver and each argument as it printed them", async () => {
    for (const version of VERSIONS) {
      const { result, crash } = await report(version, true);
      const frame = json<{ jsStack: ValuesFrame[] }>(result).jsStack[0];
      const printed = printedFrames(crash.stderr, "FROM")[0];
      assert.deepEqual(
        [frame?.function, frame?.line, frame?.source],
        [printed?.function, printed?.line, "core"],
        version,
      );
      assert.deepEqual(
        { receiver: frame?.receiver, arguments: frame?.arguments },
        expectedValues(crash),
        version,
      );
      // A script run as CommonJS: V8's printed stack holds the loader's `Object..js`, and every frame
      // the walker read is the one V8 printed at its place. The core's copy of the print may have lost
      // its last line (the anonymous `run_main_module` frame), never one before it.
      const { jsStack: stack, v8Printed } = json<{
        jsStack: ValuesFrame[];
        v8Printed: { frames: unknown[] };
      }>(result);
      const compared = stack.slice(0, v8Printed.frames.length);
      assert.ok(compared.length >= stack.length - 1, `${version}: V8's printed stack read from the core`);
      assert.ok(
        compared.every((walked) => walked.matchesV8Printed === true),
        `${version}: ${stack.map((walked) => `${walked.function} ${walked.matchesV8Printed}`).join(", ")}`,
      );
    }
  });

  it("report: the values beside the frame, on its one line, the dump's controls escaped", async () => {
    const version = "26.12.1";
    const { result, crash } = await report(version, false);
    const { receiver, arguments: values } = expectedValues(crash);
    const printed = printedFrames(crash.stderr, "FROM")[0];
    // The walker's frame: where V8's printed stack leads, the same frame is listed twice.
    const line = result.stdout
      .split("\n")
      .find((text) => text.trim().startsWith(`${printed?.function} `) && text.includes("this="));
    assert.ok(line, result.stdout);
    for (const value of [`this=${receiver}`, ...values])
      assert.ok(line.includes(visibleLine(value)), `${visibleLine(value)} in ${visibleLine(line)}`);
    assert.ok(crash.given.memo.includes("\u202e"), "the string holds a bidi control");
    for (const control of ["\u202e", "\x1b"])
      assert.ok(!result.stdout.includes(control), JSON.stringify(control));
  });

  it("Node 18 (V8 10.2, as long as it costs nothing): the same values, read by the walker", async () => {
    const crash = await argsCore("18.20.4");
    const { frames } = await readJsStack(crash.core, crash.node, "18.20.4");
    const values = frames[0]?.values;
    assert.deepEqual({ receiver: values?.receiver, arguments: values?.arguments }, expectedValues(crash));
  });

  it("optimized frames: the frame's own function has its values, a function inlined into it has none", async () => {
    for (const [version, way] of [
      ["22.22.0", "turbofan"],
      ["26.12.1", "maglev"],
    ] as const) {
      const crash = await optimizedCore(await officialNode(version), way);
      const { frames } = await readJsStack(crash.core, crash.node, version);
      const inlined = frames.filter((frame) => frame.inlined);
      assert.ok(inlined.length > 0, `${version} ${way}: no inlined frame`);
      for (const frame of inlined) {
        assert.equal(frame.values, undefined, `${version} ${way}: ${frame.function} is inlined`);
        // The optimized frame that holds it: the next with the same frame pointer, not inlined.
        const outer = frames.find((other) => other.frameAddress === frame.frameAddress && !other.inlined);
        assert.equal(outer?.tier, "optimized", `${version} ${way}`);
        assert.ok(outer?.values, `${version} ${way}: ${outer?.function} holds its values`);
        assert.equal(outer.values.arguments.length, outer.values.argumentCount, `${version} ${way}`);
      }
    }
  });
});
