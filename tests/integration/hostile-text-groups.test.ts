/**
 * One crash, two dumps, one of them reported: `groups` must still show one group. The crash is real
 * (tests/support/two-byte-core.ts): an Error whose message is not Latin-1, thrown from a timer's arrow
 * function, which V8 prints as `Timeout._onTimeout` and llnode calls `(anonymous)`. Both dumps carry the
 * process's stderr as their container log; what V8 printed is the expected title.
 */
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { freshCacheHome, json } from "../support/cli.js";
import { crashSpec } from "../support/crash-dumps.js";
import { coredumpWithin, folderOf } from "../support/hostile-text.js";
import { projectLlnode } from "../support/llnode-plugin.js";
import { officialNode } from "../support/node-builds.js";
import { type TwoByteCore, twoByteCore } from "../support/two-byte-core.js";

interface Group {
  title: string;
  ids: string[];
}

describe("hostile #12: a reported dump and an unreported one of the same crash", () => {
  let crash: TwoByteCore;
  let printed: { type: string; message: string };
  let ids: string[];
  let args: string[];
  let env: Record<string, string>;

  before(async () => {
    crash = await twoByteCore(await officialNode("22.22.0"));
    const line = /^Uncaught (\w+): (.*)$/m.exec(crash.stderr);
    assert.ok(line, crash.stderr);
    printed = { type: line[1] ?? "", message: line[2] ?? "" };
    const specs = [crashSpec(crash), crashSpec(crash)];
    ids = specs.map((spec) => spec.uuid);
    const workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    args = ["--dir", await folderOf(specs)];
    env = { XDG_CACHE_HOME: freshCacheHome(), LLNODE_PLUGIN: await projectLlnode() };
    const report = await coredumpWithin(
      ["report", ids[0] ?? "", ...args, "--workdir", workdir, "--binary", crash.node, "--json"],
      env,
    );
    assert.equal(report.exitCode, 0, report.stderr);
    const error = json<{ error: { type: string; message: string } | null }>(report).error;
    assert.deepEqual(error && { type: error.type, message: error.message }, printed, "the error read whole");
  });

  it("groups shows one group, titled by the error V8 printed", async () => {
    const result = await coredumpWithin(["groups", ...args, "--json"], env);
    assert.equal(result.exitCode, 0, result.stderr);
    const groups = json<Group[]>(result);
    assert.equal(groups.length, 1, JSON.stringify(groups, null, 2));
    assert.deepEqual(new Set(groups[0]?.ids), new Set(ids));
    assert.ok(
      groups[0]?.title.startsWith(`${printed.type}: ${printed.message} at chargeOrder`),
      groups[0]?.title,
    );
  });
});
