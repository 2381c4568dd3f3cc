import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { BinaryCache } from "../../src/binaries/binary-cache.js";
import { BuildIdMismatchError } from "../../src/binaries/build-id-mismatch.js";
import { imageCandidates } from "../../src/binaries/image-candidates.js";
import { chooseDebugger } from "../../src/debuggers/choose.js";
import { readSettings } from "../../src/settings.js";

const ID = "bdc3f4212a228d03a64d92f350b4a3acf92ff96c";

describe("the binary cache", () => {
  it("stores by build-id with private folders and executable files, and finds them again", async () => {
    const cacheDir = await mkdtemp(path.join(tmpdir(), "coredump-binaries-"));
    const cache = new BinaryCache(cacheDir);
    assert.equal(await cache.lookup(ID), undefined);
    const staging = await cache.staging();
    const file = path.join(staging, "download");
    await writeFile(file, "ELF…");
    const stored = await cache.store(file, ID, "/usr/local/bin/node");
    assert.equal(stored, path.join(cacheDir, "binaries", ID, "node"));
    assert.equal((await stat(stored)).mode & 0o777, 0o755);
    assert.equal((await stat(path.dirname(stored))).mode & 0o777, 0o700);
    assert.equal(await cache.lookup(ID), stored);
    await cache.discard(staging);
    assert.deepEqual(await readdir(path.join(cacheDir, "binaries")), [ID]);
  });

  it("never takes the debuggers' copy without DWARF (`exe.nodebug`, of a --binary /proc/1/exe) for the executable", async () => {
    const cacheDir = await mkdtemp(path.join(tmpdir(), "coredump-binaries-"));
    const cache = new BinaryCache(cacheDir);
    const folder = path.join(cacheDir, "binaries", ID);
    await mkdir(folder, { recursive: true });
    // strip-debug.ts writes `<name>.nodebug` beside the entries; `exe.nodebug` sorts before `node`.
    await writeFile(path.join(folder, "exe.nodebug"), "ELF…");
    assert.equal(await cache.lookup(ID), undefined);
    const staging = await cache.staging();
    await writeFile(path.join(staging, "download"), "ELF…");
    const stored = await cache.store(path.join(staging, "download"), ID, "node");
    assert.equal(await cache.lookup(ID), stored);
  });

  it("ignores what is not a build-id, so that no path escapes the cache", async () => {
    const cache = new BinaryCache(await mkdtemp(path.join(tmpdir(), "coredump-binaries-")));
    assert.equal(await cache.lookup("../../etc"), undefined);
    await assert.rejects(cache.store("/nonexistent", "../x", "node"), /not a build-id/);
  });
});

describe("image candidates", () => {
  it("tries each container's digests before its tags, and parses the 2020 repo:tag", () => {
    const candidates = imageCandidates([
      {
        container: 0,
        id: "sha256:aaa",
        repoTags: ["docker.io/number9/app:latest"],
        repoDigests: [`docker.io/number9/app@sha256:${"b".repeat(64)}`],
      },
      { container: 1, repoTags: ["docker.io/library/busybox:1", "not a reference"], repoDigests: [] },
      { repoTags: ["docker.io/number9/app:latest"], repoDigests: [] },
    ]);
    assert.deepEqual(
      candidates.map((candidate) => [
        candidate.reference.digest ?? candidate.reference.tag,
        candidate.container,
        candidate.imageId,
      ]),
      [
        [`sha256:${"b".repeat(64)}`, 0, "sha256:aaa"],
        ["latest", 0, "sha256:aaa"],
        ["1", 1, undefined],
      ],
    );
  });
});

describe("BuildIdMismatchError", () => {
  it("names the core's build-id and every binary's", () => {
    const error = new BuildIdMismatchError(ID, [
      { binary: "/tmp/node", buildId: "ebeaf2df" },
      { binary: "x" },
    ]);
    assert.match(error.message, new RegExp(`the core was made by build-id ${ID}`));
    assert.match(error.message, /\/tmp\/node has build-id ebeaf2df; x has build-id \(none\)/);
    assert.match(error.message, /--no-verify/);
  });
});

describe("the debugger a dump opens", () => {
  const settings = readSettings({ PATH: process.env.PATH ?? "" });
  it("is llnode for a Node core whatever its executable is called (--binary /proc/1/exe)", () => {
    assert.equal(chooseDebugger(undefined, "/proc/1/exe", settings, "26.12.1"), "llnode");
    assert.equal(chooseDebugger(undefined, "/usr/local/bin/node", settings), "llnode");
    assert.notEqual(chooseDebugger(undefined, "/proc/1/exe", settings), "llnode");
    assert.equal(chooseDebugger("gdb", "/proc/1/exe", settings, "26.12.1"), "gdb");
  });
});
