import assert from "node:assert/strict";
import { mkdtemp, readdir, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { BinaryCache } from "../../src/binaries/binary-cache.js";
import { BuildIdMismatchError } from "../../src/binaries/build-id-mismatch.js";
import { imageCandidates } from "../../src/binaries/image-candidates.js";

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
