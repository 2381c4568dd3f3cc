import assert from "node:assert/strict";
import { mkdtemp, realpath } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { pushAppImage } from "../support/app-image.js";
import { coredump, freshCacheHome, json } from "../support/cli.js";
import { defaultSpec, looseDump, writeToDirectory, zipDump } from "../support/handler-layout.js";
import { projectLlnode, publishedLlnode } from "../support/llnode-plugin.js";
import { nativeCore } from "../support/native-core.js";
import { printedFrames } from "../support/printed-stack.js";
import type { RealCore } from "../support/real-core.js";
import { repoRoot } from "../support/repo-root.js";
import { frameSite } from "../support/report-json.js";
import { freshBucket, putObjects, rigS3, s3Env } from "../support/s3-rig.js";
import { TmuxSession } from "../support/tmux.js";
import { tutorialDump } from "../support/tutorial-dump.js";

interface ReportJson {
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
  v8Printed: { frames: Array<{ function: string; file: string; line: number; column: number }> };
  executable: { source: string } | null;
  nativeFrames: string[];
  debugger: { readable: boolean; note?: string; origin?: string } | null;
  logs: Array<{ file: string; lines: string[] }>;
}

const MESSAGE = "res.not_a_function is not a function";

describe("debug and report on the tutorial's crash, executable from the rig's registry", () => {
  const s3 = rigS3();
  let env: Record<string, string>;
  let workdir: string;
  const cases: Array<{ version: string; layout: "zip" | "loose"; crash: RealCore; id: string }> = [];

  before(async () => {
    const bucket = await freshBucket(s3, "debug");
    const objects = [];
    for (const version of ["18.20.4", "20.20.2"]) {
      const { crash, spec } = await tutorialDump(version);
      const loose = { ...spec, uuid: crypto.randomUUID() };
      objects.push(...zipDump(spec), ...looseDump(loose));
      cases.push(
        { version, layout: "zip", crash, id: spec.uuid },
        { version, layout: "loose", crash, id: loose.uuid },
      );
    }
    await putObjects(s3, bucket, objects);
    workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    env = { ...s3Env(s3, bucket), XDG_CACHE_HOME: freshCacheHome(), LLNODE_PLUGIN: await publishedLlnode() };
  });

  it("debug --batch -o 'v8 bt' shows myRequestListener and the script's path", async () => {
    for (const { version, layout, crash, id } of cases) {
      const result = await coredump(["debug", id, "--workdir", workdir, "--batch", "-o", "v8 bt"], env);
      assert.equal(result.exitCode, 0, `${version} ${layout}: ${result.stderr}`);
      assert.match(
        result.stdout,
        new RegExp(`myRequestListener\\(.*\\) at ${crash.scriptAsRun}:7:27`),
        `${version} ${layout}`,
      );
      assert.match(result.stderr, /llnode plugin: LLNODE_PLUGIN, llnode 4\.0\.0 as published/);
    }
  });

  it("report --json holds the frames V8 printed and the message, read from the core with no debugger", async () => {
    for (const { version, layout, crash, id } of cases) {
      const result = await coredump(["report", id, "--workdir", workdir, "--json"], env);
      assert.equal(result.exitCode, 0, `${version} ${layout}: ${result.stderr}`);
      const report = json<ReportJson>(result);
      assert.equal(report.nodeVersion, version);
      assert.equal(report.debugger, null, `${version} ${layout}`);
      assert.deepEqual(report.error, { type: "TypeError", message: MESSAGE, source: "core text" });
      assert.deepEqual(
        report.jsStack.map(frameSite),
        printedFrames(crash.stderr, "FROM").map((frame) => ({
          ...frame,
          position: "call site",
          matchesV8Printed: true,
          source: "core",
        })),
        `${version} ${layout}`,
      );
      assert.deepEqual(report.v8Printed.frames[0], {
        function: "Server.myRequestListener",
        file: crash.scriptAsRun,
        line: 9,
        column: 7,
      });
      assert.ok(["image", "cache"].includes(report.executable?.source ?? ""));
      if (layout === "zip") assert.match(report.logs[0]?.lines.join("\n") ?? "", /Uncaught TypeError/);
    }
  });

  it("prints a report a person reads in ten seconds", async () => {
    const { crash, id } = cases[1] as (typeof cases)[number];
    const result = await coredump(["report", id, "--workdir", workdir], env);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`TypeError: ${MESSAGE}`));
    assert.match(result.stdout, new RegExp(`Server\\.myRequestListener\\s+${crash.scriptAsRun}:9:7`));
    assert.match(
      result.stdout,
      /JavaScript stack \(read from the core's V8 frames, call sites; the same as the stack V8 printed/,
    );
    assert.match(result.stdout, /killed by SIGTRAP \(5\)/);
  });
});

describe("report on Node 22 with llnode 4.0 as published", () => {
  it("report reads the core with no debugger; debug says the plugin cannot read it", async () => {
    const { crash, spec } = await tutorialDump("22.22.0");
    const s3 = rigS3();
    const bucket = await freshBucket(s3, "node22");
    await putObjects(s3, bucket, looseDump(spec));
    const env = {
      ...s3Env(s3, bucket),
      XDG_CACHE_HOME: freshCacheHome(),
      LLNODE_PLUGIN: await publishedLlnode(),
    };
    const workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    const result = await coredump(["report", spec.uuid, "--workdir", workdir, "--json"], env);
    assert.equal(result.exitCode, 0, result.stderr);
    const report = json<ReportJson>(result);
    assert.equal(report.nodeVersion, "22.22.0");
    assert.equal(report.debugger, null);
    assert.deepEqual(report.error, { type: "TypeError", message: MESSAGE, source: "core text" });
    assert.deepEqual(frameSite(report.jsStack[0]), {
      function: "Server.myRequestListener",
      file: crash.scriptAsRun,
      line: 9,
      column: 7,
      position: "call site",
      matchesV8Printed: true,
      source: "core",
    });
    const human = await coredump(["report", spec.uuid, "--workdir", workdir], env);
    assert.doesNotMatch(human.stdout, /could not read the core/);
    assert.match(human.stdout, /server\.js:9:7/);
    const debug = await coredump(
      ["debug", spec.uuid, "--workdir", workdir, "--batch", "-o", "v8 nodeinfo"],
      env,
    );
    assert.match(debug.stderr, /cannot read: JS frames will be bare addresses/);
    assert.match(debug.stderr, /could not read this core's V8 heap/);
  });
});

describe("report on Node 22 and 24 with the project's llnode at hand", () => {
  it("takes the error from the core's text and the call sites from the core, the same as the stack V8 printed", async () => {
    const s3 = rigS3();
    const bucket = await freshBucket(s3, "project-llnode");
    const dumps = await Promise.all(["22.22.0", "24.11.0"].map((version) => tutorialDump(version)));
    await putObjects(
      s3,
      bucket,
      dumps.flatMap(({ spec }) => looseDump(spec)),
    );
    const env = {
      ...s3Env(s3, bucket),
      XDG_CACHE_HOME: freshCacheHome(),
      LLNODE_PLUGIN: await projectLlnode(),
    };
    const workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    for (const { crash, spec } of dumps) {
      const result = await coredump(["report", spec.uuid, "--workdir", workdir, "--json"], env);
      assert.equal(result.exitCode, 0, result.stderr);
      const report = json<ReportJson>(result);
      assert.equal(report.nodeVersion, crash.nodeVersion.slice(1));
      assert.equal(report.debugger, null, crash.nodeVersion);
      assert.deepEqual(report.error, { type: "TypeError", message: MESSAGE, source: "core text" });
      assert.deepEqual(frameSite(report.jsStack[0]), {
        function: "Server.myRequestListener",
        file: crash.scriptAsRun,
        line: 9,
        column: 7,
        position: "call site",
        matchesV8Printed: true,
        source: "core",
      });
      assert.ok(
        report.jsStack.every((frame) => frame.matchesV8Printed),
        crash.nodeVersion,
      );
      const human = await coredump(["report", spec.uuid, "--workdir", workdir], env);
      assert.match(
        human.stdout,
        /JavaScript stack \(read from the core's V8 frames, call sites; the same as the stack V8 printed before aborting\)/,
      );
      assert.match(human.stdout, new RegExp(`myRequestListener\\s+${crash.scriptAsRun}:9:7`));
    }
  });
});

describe("debug on a native crash", () => {
  it("gdb --batch -o bt names the crashing function, with the executable pulled from the image", async () => {
    const { executable, core } = await nativeCore();
    // The image carries the libc the program ran with; gdb must read it from there, not from this machine.
    const libc = await realpath("/lib/x86_64-linux-gnu/libc.so.6");
    const loader = await realpath("/lib64/ld-linux-x86-64.so.2");
    const image = await pushAppImage(executable, "/usr/local/bin/crasher", "native", [
      [libc, libc],
      [loader, loader],
    ]);
    const spec = defaultSpec({ core, exe: "crasher", exePath: "/usr/local/bin/crasher", signal: 11, image });
    const s3 = rigS3();
    const bucket = await freshBucket(s3, "native");
    await putObjects(s3, bucket, zipDump(spec));
    const env = { ...s3Env(s3, bucket), XDG_CACHE_HOME: freshCacheHome() };
    const workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    const result = await coredump(
      [
        "debug",
        spec.uuid,
        "--workdir",
        workdir,
        "--debugger",
        "gdb",
        "--batch",
        "-o",
        "bt",
        "-o",
        "info sharedlibrary",
      ],
      env,
    );
    assert.match(
      result.stdout,
      new RegExp(`${path.join(workdir, spec.uuid, "sysroot")}${libc}`),
      "libc from the image's sysroot",
    );
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /#0 .* in write_through_null \(/);
    assert.match(result.stdout, /#1 .* in main \(/);
    const report = json<ReportJson>(
      await coredump(["report", spec.uuid, "--workdir", workdir, "--json"], env),
    );
    assert.match(report.nativeFrames[0] ?? "", /^write_through_null \(/);
    assert.match(report.nativeFrames[1] ?? "", /^main \(/);
  });
});

describe("an interactive llnode session in a terminal", () => {
  it("shows the (llnode) prompt, answers v8 bt, and returns the debugger's exit status on quit", async () => {
    const { crash, spec } = await tutorialDump("20.20.2");
    const s3 = rigS3();
    const bucket = await freshBucket(s3, "interactive");
    await putObjects(s3, bucket, zipDump(spec));
    const workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    const env = {
      ...s3Env(s3, bucket),
      XDG_CACHE_HOME: freshCacheHome(),
      LLNODE_PLUGIN: await publishedLlnode(),
    };
    const session = await TmuxSession.start(
      [
        process.execPath,
        path.join(repoRoot(), "bin", "coredump.js"),
        "debug",
        spec.uuid,
        "--workdir",
        workdir,
      ],
      env,
    );
    try {
      await session.waitFor(/\(llnode\) $/m, 120_000);
      await session.type("v8 bt");
      await session.waitFor(new RegExp(`myRequestListener\\(.*${crash.scriptAsRun}`));
      await session.type("quit");
      await session.waitFor(/^exit status 0$/m);
    } finally {
      await session.kill();
    }
  });
});

describe("the picker", () => {
  it("opens when no id is given on a terminal, and shows the chosen dump", async () => {
    const folder = await mkdtemp(path.join(tmpdir(), "coredump-cores-"));
    const older = defaultSpec({ timestamp: 1_700_000_000, pod: "older-pod" });
    const newer = defaultSpec({ timestamp: 1_700_000_100, pod: "newer-pod" });
    await writeToDirectory([...looseDump(older), ...looseDump(newer)], folder);
    const session = await TmuxSession.start(
      [process.execPath, path.join(repoRoot(), "bin", "coredump.js"), "info", "--dir", folder],
      { XDG_CACHE_HOME: freshCacheHome(), NO_COLOR: "1" },
    );
    try {
      await session.waitFor(/Which dump\?/);
      await session.waitFor(new RegExp(newer.uuid.slice(0, 8)));
      await session.press("Down");
      await session.press("Enter");
      await session.waitFor(new RegExp(`id\\s+${older.uuid}`));
      await session.waitFor(/^exit status 0$/m);
    } finally {
      await session.kill();
    }
  });
});
