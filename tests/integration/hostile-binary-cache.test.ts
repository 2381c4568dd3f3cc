import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { resolveExecutable } from "../../src/binaries/resolve-executable.js";
import { readExecutableInfo } from "../../src/elf/index.js";
import { readSettings } from "../../src/settings.js";
import { type RealCore, realCore } from "../support/real-core.js";

/** npm pointed at a closed port: the official-build source fails at once instead of downloading. */
const OFFLINE = { ...process.env, npm_config_registry: "http://127.0.0.1:9/", npm_config_fetch_retries: "0" };

describe("hostile #3: a cached executable is checked against the core's build-id on every use", () => {
  let crash: RealCore;
  let buildId: string;

  before(async () => {
    crash = await realCore();
    buildId = (await readExecutableInfo(crash.node)).buildId as string;
  });

  async function cacheHolding(file: string): Promise<{ cacheDir: string; cached: string }> {
    const cacheDir = await mkdtemp(path.join(tmpdir(), "coredump-cache-"));
    const cached = path.join(cacheDir, "binaries", buildId, "node");
    await mkdir(path.dirname(cached), { recursive: true });
    await copyFile(file, cached);
    return { cacheDir, cached };
  }

  it("another ELF placed under the core's build-id is refused and removed", async () => {
    const { cacheDir, cached } = await cacheHolding("/bin/sh");
    const said: string[] = [];
    const result = await resolveExecutable({
      core: crash.core,
      images: [],
      cacheDir,
      settings: readSettings(OFFLINE),
      onProgress: (line) => said.push(line),
    });
    assert.notEqual(result.path, cached);
    assert.ok(result.path === null || result.source !== "cache", JSON.stringify(result));
    await assert.rejects(stat(cached), "the tampered file is gone");
    assert.ok(
      said.some((line) => line.includes(`not ${buildId}: removed it`)),
      said.join("\n"),
    );
  });

  it("the right binary in the cache is still served from it", async () => {
    const { cacheDir, cached } = await cacheHolding(crash.node);
    const result = await resolveExecutable({
      core: crash.core,
      images: [],
      cacheDir,
      settings: readSettings(OFFLINE),
    });
    assert.equal(result.path, cached);
    assert.equal(result.path !== null && result.source, "cache");
  });
});
