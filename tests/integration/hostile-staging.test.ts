import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { ownedName } from "../../src/workspace/owned-name.js";
import { coredump } from "../support/cli.js";
import { defaultSpec, TUTORIAL_IMAGE, writeToDirectory, zipDump } from "../support/handler-layout.js";
import { realCore } from "../support/real-core.js";
import { repoRoot } from "../support/repo-root.js";

/** No registry and no npm to be found: the executable search fails at once. */
const OFFLINE = { npm_config_registry: "http://127.0.0.1:9/", npm_config_fetch_retries: "0" };

/** The pid of a process that has exited: nothing runs under it now. */
function deadPid(): number {
  return Number(spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" }).stdout.trim());
}

/** A cache whose binaries folder holds what killed downloads left, and one that is still running. */
async function cacheWithOrphans(): Promise<{ cache: string; orphans: string[]; live: string }> {
  const cache = await mkdtemp(path.join(tmpdir(), "coredump-cache-"));
  const binaries = path.join(cache, "coredump", "binaries");
  const pid = deadPid();
  const orphans = [`.staging-${pid}-12345-0badf00d`, `.staging-${pid}-c0ffee00`];
  const live = ownedName(".staging-");
  for (const name of [...orphans, live]) {
    await mkdir(path.join(binaries, name), { recursive: true });
    await writeFile(path.join(binaries, name, "official-node"), Buffer.alloc(1024 * 1024));
  }
  return { cache, orphans, live };
}

describe("hostile #13: interrupted executable downloads leave no staging folders for good", () => {
  const spec = defaultSpec({ image: { ...TUTORIAL_IMAGE, repo: "127.0.0.1:9/app" } });
  let args: string[];

  before(async () => {
    const crash = await realCore();
    spec.core = crash.core;
    const folder = await mkdtemp(path.join(tmpdir(), "coredump-cores-"));
    await writeToDirectory(zipDump(spec), folder);
    args = ["--dir", folder];
  });

  it("the next fetch removes the staging folders of processes that are gone, not a live one's", async () => {
    const { cache, orphans, live } = await cacheWithOrphans();
    const work = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    const result = await coredump(["fetch", spec.uuid, "--workdir", work, ...args], {
      ...OFFLINE,
      XDG_CACHE_HOME: cache,
    });
    assert.equal(result.exitCode, 0, result.stderr);
    const left = await readdir(path.join(cache, "coredump", "binaries"));
    for (const orphan of orphans) assert.ok(!left.includes(orphan), `${orphan} is left`);
    assert.ok(left.includes(live), "a running process's staging folder stays");
  });

  it("clean removes them too, as unfinished downloads", async () => {
    const { cache, orphans } = await cacheWithOrphans();
    const work = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    const result = await coredump(["clean", "--older-than", "7d", "--workdir", work], {
      XDG_CACHE_HOME: cache,
    });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /removed unfinished download .*\.staging-/);
    const left = await readdir(path.join(cache, "coredump", "binaries"));
    for (const orphan of orphans) assert.ok(!left.includes(orphan), `${orphan} is left`);
  });

  it("Ctrl-C while a download is staged removes its folder on the way out", async () => {
    const cache = await mkdtemp(path.join(tmpdir(), "coredump-cache-"));
    const module = path.join(repoRoot(), "dist", "src", "binaries", "binary-cache.js");
    const script = `
      const { BinaryCache } = await import(${JSON.stringify(module)});
      process.once("SIGINT", () => process.exit(130));
      const staging = await new BinaryCache(${JSON.stringify(cache)}).staging();
      await (await import("node:fs/promises")).writeFile(staging + "/official-node", Buffer.alloc(1 << 20));
      console.log(staging);
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const staging = await new Promise<string>((resolve) =>
      child.stdout.once("data", (data: Buffer) => resolve(data.toString().trim())),
    );
    assert.ok((await stat(staging)).isDirectory());
    child.kill("SIGINT");
    const status = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    assert.equal(status, 130);
    await assert.rejects(stat(staging), "the staging folder is gone");
  });
});
