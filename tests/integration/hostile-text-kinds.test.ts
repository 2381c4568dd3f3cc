/**
 * The kind of death when what lies beside the core disagrees with the core: real cores of real crashes
 * (tests/support/kind-core.ts, tutorial-dump.ts) packed with a dump-info signal and a container log edited
 * by the test. The core's own evidence (its native frames and text) must decide; and a log of 200,000
 * frames must not stall the report.
 */
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { freshCacheHome, json } from "../support/cli.js";
import { crashSpec } from "../support/crash-dumps.js";
import { coredumpWithin, folderOf } from "../support/hostile-text.js";
import { type KindCore, kindCore } from "../support/kind-core.js";
import { projectLlnode } from "../support/llnode-plugin.js";
import { tutorialDump } from "../support/tutorial-dump.js";

const VERSION = "22.22.0";
const SIGABRT = 6;

interface KindReport {
  kind: string;
  kindSigns: Array<{ source: string; says: string }>;
  error: { type: string; message: string } | null;
  heap?: { usedBytes?: number };
  logs: Array<{ lines: string[] }>;
}

async function report(dir: string, id: string, flags: string[] = [], ceilingMs?: number) {
  const workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
  const env = { XDG_CACHE_HOME: freshCacheHome(), LLNODE_PLUGIN: await projectLlnode() };
  const result = await coredumpWithin(
    ["report", id, "--dir", dir, "--workdir", workdir, "--json", ...flags],
    env,
    ceilingMs,
  );
  assert.equal(result.timedOut, false, "report finished by itself");
  assert.equal(result.exitCode, 0, result.stderr);
  return json<KindReport>(result);
}

describe("hostile kinds: a dump-info signal and a log that claim heap exhaustion", () => {
  let oom: KindCore;
  before(async () => {
    oom = await kindCore("out-of-memory", VERSION);
  });

  it("#13 an uncaught TypeError with signal 6 and an out-of-memory log is an uncaught exception", async () => {
    const { crash, spec } = await tutorialDump(VERSION, "hostile-text-kinds");
    const printed = /^Uncaught (\w+): (.*)$/m.exec(crash.stderr);
    assert.ok(printed, crash.stderr);
    const edited = { ...spec, signal: SIGABRT, containers: [{ name: "app", log: oom.stderr }] };
    const r = await report(await folderOf([edited]), edited.uuid);
    assert.equal(r.kind, "uncaught-exception", JSON.stringify(r.kindSigns));
    assert.equal(r.error?.type, printed[1]);
    assert.equal(r.heap, undefined, "no heap section for a death that is not out-of-memory");
  });

  it("#21 process.abort() beside a log that claims heap exhaustion is an abort, with no heap figures", async () => {
    const abort = await kindCore("abort", VERSION);
    const spec = crashSpec({ ...abort, stderr: oom.stderr });
    const r = await report(await folderOf([spec]), spec.uuid, ["--no-executable"]);
    assert.equal(r.kind, "abort", JSON.stringify(r.kindSigns));
    assert.equal(r.heap?.usedBytes, undefined, "no heap use taken from the log");
  });
});

describe("hostile #10: a container log of 200,000 printed frames", () => {
  it("report reads it in time, and the kind is still the core's", async () => {
    const abort = await kindCore("abort", VERSION);
    const frames = Array.from({ length: 200_000 }, (_, i) => `    at f${i} (/app/a${i}.js:${i}:1)\n`);
    const spec = crashSpec({ ...abort, stderr: `TypeError: x\n${frames.join("")}${abort.stderr}` });
    // Two minutes: sorting those frames by searching the log for each took minutes.
    const r = await report(await folderOf([spec]), spec.uuid, ["--no-executable"], 120_000);
    assert.equal(r.kind, "abort", JSON.stringify(r.kindSigns));
    const last = abort.stderr.trimEnd().split("\n").at(-1);
    assert.equal(r.logs[0]?.lines.at(-1), last);
  });
});
