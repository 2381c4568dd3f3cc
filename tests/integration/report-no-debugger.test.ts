/**
 * report on a machine with no lldb and no gdb: the deaths of JS are read from the core alone, by the
 * project's own stack walker and heap reader, on the newest LTS (Node 26), from RGW in the handler's layout.
 */
import assert from "node:assert/strict";
import { mkdtemp, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { coredump, freshCacheHome, json } from "../support/cli.js";
import { zipDump } from "../support/handler-layout.js";
import type { KindCore } from "../support/kind-core.js";
import { kindDumps } from "../support/kind-dumps.js";
import { places, printedFrames } from "../support/printed-stack.js";
import type { ReportFrameJson } from "../support/report-json.js";
import { freshBucket, putObjects, rigS3, s3Env } from "../support/s3-rig.js";
import { tutorialDump } from "../support/tutorial-dump.js";

const VERSION = "26.12.1";

type Frame = ReportFrameJson;

interface NoDebuggerReport {
  kind: string;
  error: { type: string; message: string; source: string } | null;
  jsStack: Frame[];
  heap?: { top: Array<{ name: string }> };
  fatal?: { message: string };
  nativeFrames: string[];
  debugger: unknown;
}

describe("report with no debugger on the machine (Node 26)", () => {
  const ids = new Map<string, { id: string; stderr: string; scriptAsRun: string }>();
  let env: Record<string, string>;
  let workdir: string;

  before(async () => {
    const s3 = rigS3();
    const bucket = await freshBucket(s3, "no-debugger");
    const tutorial = await tutorialDump(VERSION, "no-debugger-tutorial");
    const { dumps } = await kindDumps(VERSION, "no-debugger-kinds");
    const wanted = dumps.filter(({ crash }) =>
      ["unhandled-rejection", "out-of-memory", "fatal-error", "abort"].includes(crash.kind),
    );
    await putObjects(
      s3,
      bucket,
      [tutorial.spec, ...wanted.map(({ spec }) => spec)].flatMap((spec) => zipDump(spec)),
    );
    ids.set("uncaught-exception", { id: tutorial.spec.uuid, ...tutorial.crash });
    for (const { crash, spec } of wanted) ids.set(crash.kind, { id: spec.uuid, ...(crash as KindCore) });
    // A PATH with node and nothing else: no lldb, no gdb, no llnode to load.
    const bin = await mkdtemp(path.join(tmpdir(), "coredump-nodebug-"));
    await symlink(process.execPath, path.join(bin, "node"));
    workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    env = { ...s3Env(s3, bucket), XDG_CACHE_HOME: freshCacheHome(), PATH: bin };
  });

  async function report(kind: string): Promise<{ r: NoDebuggerReport; stderr: string; scriptAsRun: string }> {
    const found = ids.get(kind);
    assert.ok(found, kind);
    const result = await coredump(["report", found.id, "--workdir", workdir, "--json"], env);
    assert.equal(result.exitCode, 0, `${kind}: ${result.stderr}`);
    const r = json<NoDebuggerReport>(result);
    assert.equal(r.kind, kind);
    assert.equal(r.debugger, null, `${kind}: no debugger ran`);
    return { r, stderr: found.stderr, scriptAsRun: found.scriptAsRun };
  }

  it("uncaught exception: the error and every frame V8 printed", async () => {
    const { r, stderr } = await report("uncaught-exception");
    const message = /Uncaught (\w+): (.*)\n/.exec(stderr);
    assert.deepEqual([r.error?.type, r.error?.message], [message?.[1], message?.[2]]);
    assert.deepEqual(
      r.jsStack.map(({ function: name, file, line, column }) => ({ function: name, file, line, column })),
      printedFrames(stderr, "FROM"),
    );
  });

  it("unhandled rejection: the reason and its stack, from the Error on the heap", async () => {
    const { r, stderr, scriptAsRun } = await report("unhandled-rejection");
    const printed = /\n(\w+): (.*)\n {4}at handle \((.+):(\d+):(\d+)\)/.exec(stderr);
    assert.ok(printed, stderr);
    assert.deepEqual(r.error, { type: printed[1], message: printed[2], source: "core" });
    assert.deepEqual(
      [r.jsStack[0]?.function, r.jsStack[0]?.file, r.jsStack[0]?.line, r.jsStack[0]?.column],
      ["handle", scriptAsRun, Number(printed[4]), Number(printed[5])],
    );
  });

  it("abort: where process.abort() was called, every frame Node printed", async () => {
    const { r, stderr } = await report("abort");
    const printed = printedFrames(stderr, "node");
    assert.ok(printed.length > 0, stderr);
    assert.deepEqual(places(r.jsStack), places(printed));
  });

  it("fatal error: the failed check Node printed, and the JS that called into it", async () => {
    const { r, stderr } = await report("fatal-error");
    const check = /Assertion failed: (.*)\n/.exec(stderr);
    assert.ok(check && r.fatal?.message.includes(check[1] ?? "?"), `${r.fatal?.message} / ${stderr}`);
    assert.deepEqual(places(r.jsStack), places(printedFrames(stderr, "node")));
    // Node's own print of its native stack names some frames: the stack scan finds each, in order.
    const named = [...stderr.matchAll(/^ *\d+: 0x[0-9a-f]+ (\S.*) \[/gm)].map((match) => match[1]);
    assert.ok(named.length > 0, stderr);
    assert.deepEqual(
      r.nativeFrames.filter((frame) => named.includes(frame)),
      named,
    );
  });

  it("out of memory: the heap's largest constructors, read from the core", async () => {
    const { r } = await report("out-of-memory");
    const top = r.heap?.top.slice(0, 3).map((type) => type.name) ?? [];
    assert.ok(top.includes("Session"), top.join(", "));
  });
});
