import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { readCoreSummary, readExecutableInfo } from "../../src/elf/index.js";
import { CoreClues, runtimeOf } from "../../src/runtimes/index.js";
import { buildGoProgram, crashGoProgram, goBuildIdOf, removeGoScratch } from "../support/go-core.js";
import { nativeCore } from "../support/native-core.js";
import { realCore } from "../support/real-core.js";

describe("the table of runtimes tells real cores apart", () => {
  after(removeGoScratch);
  it("a Go program's core is Go's, and names its executable's Go build ID as `go tool buildid` reads it", async () => {
    const executable = await buildGoProgram();
    const crash = await crashGoProgram(executable, "nil-map");
    assert.equal((await runtimeOf(crash.core)).name, "go");
    const summary = await readCoreSummary(crash.core, { nodeVersion: false });
    const expected = await goBuildIdOf(executable);
    assert.equal(summary.executable?.goBuildId, expected);
    assert.equal(summary.executable?.buildId, undefined, "go build writes no GNU build-id");
    assert.equal((await readExecutableInfo(executable)).goBuildId, expected);
  });

  it("a Go program linked with -B has both ids in the core, the GNU one after Go's note in the first page", async () => {
    const executable = await buildGoProgram({ gnuBuildId: true });
    const crash = await crashGoProgram(executable, "nil-pointer");
    const summary = await readCoreSummary(crash.core, { nodeVersion: false });
    const info = await readExecutableInfo(executable);
    assert.ok(info.buildId);
    assert.equal(summary.executable?.buildId, info.buildId);
    assert.equal(summary.executable?.goBuildId, await goBuildIdOf(executable));
    assert.equal((await runtimeOf(crash.core)).name, "go");
  });

  it("a Node process's core is Node's, read once for its version", async () => {
    const { core } = await realCore();
    const clues = new CoreClues(core);
    assert.equal((await runtimeOf(core)).name, "node");
    assert.equal(await clues.nodeVersion(), await clues.nodeVersion());
  });

  it("a C program's core is native", async () => {
    const { core, executable } = await nativeCore();
    assert.equal((await runtimeOf(core, executable)).name, "native");
  });
});
