import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { coredump, freshCacheHome, json } from "../support/cli.js";
import { defaultSpec, looseDump, writeToDirectory } from "../support/handler-layout.js";
import { freshBucket, putObjects, rigS3, s3Env } from "../support/s3-rig.js";

describe("clean", () => {
  it("removes working folders last used before the age, and says how much it freed", async () => {
    const folder = await mkdtemp(path.join(tmpdir(), "coredump-cores-"));
    const old = defaultSpec();
    const recent = defaultSpec();
    await writeToDirectory([...looseDump(old), ...looseDump(recent)], folder);
    const workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    const env = { XDG_CACHE_HOME: freshCacheHome() };
    for (const spec of [old, recent]) {
      const fetched = await coredump(
        ["fetch", spec.uuid, "--dir", folder, "--workdir", workdir, "--no-executable"],
        env,
      );
      assert.equal(fetched.exitCode, 0, fetched.stderr);
    }
    const oldFolder = path.join(workdir, old.uuid);
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000);
    for (const name of [
      "",
      "core",
      "dump-info.json",
      "image-info.json",
      "runtime-info.json",
      ".coredump-fetch.json",
    ]) {
      await utimes(path.join(oldFolder, name), tenDaysAgo, tenDaysAgo);
    }
    const dry = await coredump(["clean", "--older-than", "7d", "--workdir", workdir, "--dry-run"], env);
    assert.equal(dry.exitCode, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`would remove dump folder ${oldFolder}`));
    assert.ok(existsSync(oldFolder));
    const real = await coredump(["clean", "--older-than", "7d", "--workdir", workdir], env);
    assert.match(real.stdout, /freed [\d.]+ [kM]B in 1 item/);
    assert.ok(!existsSync(oldFolder));
    assert.ok(existsSync(path.join(workdir, recent.uuid, "core")));
    assert.equal((await coredump(["clean", "--workdir", workdir], env)).exitCode, 2);

    // A folder of the user's own in the same place, old and with a download's .partial, is not coredump's.
    const theirs = path.join(workdir, "myproject");
    await mkdir(theirs);
    await writeFile(path.join(theirs, "firefox-download.partial"), "x");
    for (const name of ["", "firefox-download.partial"])
      await utimes(path.join(theirs, name), tenDaysAgo, tenDaysAgo);
    const again = await coredump(["clean", "--older-than", "7d", "--workdir", workdir], env);
    assert.doesNotMatch(again.stdout, /myproject/);
    assert.ok(existsSync(path.join(theirs, "firefox-download.partial")));
  });

  it("--remote deletes old dumps from the bucket only with --yes", async () => {
    const rig = rigS3();
    const bucket = await freshBucket(rig, "clean");
    const old = defaultSpec({ timestamp: Math.floor(Date.now() / 1000) - 100 * 86_400 });
    const recent = defaultSpec();
    await putObjects(rig, bucket, [...looseDump(old), ...looseDump(recent)]);
    const env = s3Env(rig, bucket);
    const dry = await coredump(["clean", "--remote", "--older-than", "90d"], env);
    assert.equal(dry.exitCode, 0, dry.stderr);
    assert.match(dry.stdout, /1 dumps \(4 objects, .*\) .* are older than 90d: add --yes to delete them/);
    assert.equal(json<unknown[]>(await coredump(["list", "--json"], env)).length, 2);
    const cautious = await coredump(["clean", "--remote", "--older-than", "90d", "--yes", "--dry-run"], env);
    assert.match(cautious.stdout, /add --yes to delete them/);
    assert.equal(
      json<unknown[]>(await coredump(["list", "--json"], env)).length,
      2,
      "--dry-run wins over --yes",
    );
    const real = await coredump(["clean", "--remote", "--older-than", "90d", "--yes"], env);
    assert.match(real.stdout, /deleted 1 dumps \(4 objects/);
    const left = json<Array<{ id: string }>>(await coredump(["list", "--json"], env));
    assert.deepEqual(
      left.map((dump) => dump.id),
      [recent.uuid],
    );
  });
});
