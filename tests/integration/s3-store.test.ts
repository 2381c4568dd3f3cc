import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { coredump, freshCacheHome, json } from "../support/cli.js";
import { CountingProxy } from "../support/counting-proxy.js";
import { defaultSpec, looseDump, zipDump } from "../support/handler-layout.js";
import { realCore } from "../support/real-core.js";
import { freshBucket, grantPrefix, putObjects, rigS3, s3Env } from "../support/s3-rig.js";

const rig = rigS3();

describe("S3: many objects, prefixes and the metadata cache", () => {
  let bucket: string;
  const many = Array.from({ length: 300 }, (_, index) => defaultSpec({ timestamp: 1_700_000_000 + index }));
  const scoped = defaultSpec({ namespace: "team-b", keyPrefix: "cores/team-b/", timestamp: 1_800_000_000 });
  let zipped: ReturnType<typeof defaultSpec>;

  before(async () => {
    bucket = await freshBucket(rig, "many");
    zipped = defaultSpec({ core: (await realCore()).core, namespace: "shop", timestamp: 1_790_000_000 });
    await putObjects(rig, bucket, [
      ...many.flatMap((spec) => looseDump(spec)),
      ...zipDump(scoped),
      ...zipDump(zipped),
    ]);
  });

  it("lists past the 1,000-key page, across folders, and only under --prefix when given", async () => {
    const all = json<Array<{ id: string }>>(await coredump(["list", "--json"], s3Env(rig, bucket)));
    assert.equal(all.length, 302);
    assert.equal(new Set(all.map((dump) => dump.id)).size, 302);
    assert.equal(all[0]?.id, scoped.uuid, "newest first, keys under prefixes included");
    assert.equal(all.at(-1)?.id, many[0]?.uuid);
    const teamB = json<Array<{ id: string; namespace: string }>>(
      await coredump(["list", "--prefix", "cores/team-b", "--json"], s3Env(rig, bucket)),
    );
    assert.deepEqual(
      teamB.map((dump) => [dump.id, dump.namespace]),
      [[scoped.uuid, "team-b"]],
    );
  });

  it("reads a zip's metadata through small ranges, and nothing at all once cached", async () => {
    const proxy = await CountingProxy.start(rig.endpoint);
    try {
      const env = { ...s3Env(rig, bucket), S3_ENDPOINT: proxy.endpoint, XDG_CACHE_HOME: freshCacheHome() };
      const cold = await coredump(["list", "--namespace", "shop", "--json"], env);
      assert.equal(cold.exitCode, 0, cold.stderr);
      assert.deepEqual(
        json<Array<{ id: string }>>(cold).map((dump) => dump.id),
        [zipped.uuid],
      );
      const zipReads = proxy.objectReads().filter((request) => request.path.includes(zipped.uuid));
      assert.ok(zipReads.length > 0);
      const bytes = zipReads.reduce((sum, request) => {
        assert.ok(request.range, `unranged read of the zip: ${request.path}`);
        const [start, end] = (request.range.match(/\d+/g) ?? []).map(Number);
        return sum + ((end ?? 0) - (start ?? 0) + 1);
      }, 0);
      assert.ok(bytes < 300_000, `read ${bytes} bytes of the zip to list it`);

      proxy.reset();
      const warm = await coredump(["list", "--namespace", "shop", "--json"], env);
      assert.equal(warm.stdout, cold.stdout);
      assert.deepEqual(proxy.objectReads(), [], "a warm list reads no object");
      assert.ok(proxy.requests.length > 0, "the listing itself still goes to S3");
    } finally {
      await proxy.stop();
    }
  });
});

describe("S3: credentials scoped to a prefix by a bucket policy", () => {
  let bucket: string;
  const mine = defaultSpec({ namespace: "team-a", keyPrefix: "team-a/", timestamp: 1_700_000_200 });
  const theirs = defaultSpec({ namespace: "team-b", keyPrefix: "team-b/", timestamp: 1_700_000_100 });
  const theirsLoose = defaultSpec({ namespace: "team-b", keyPrefix: "team-b/", timestamp: 1_700_000_000 });

  before(async () => {
    bucket = await freshBucket(rig, "scoped");
    await putObjects(rig, bucket, [...zipDump(mine), ...zipDump(theirs), ...looseDump(theirsLoose)]);
    await grantPrefix(rig, bucket, rig.team.user, "team-a/");
  });

  const asTeam = () => ({
    ...s3Env(rig, bucket),
    S3_ACCESS_KEY: rig.team.accessKey,
    S3_SECRET: rig.team.secret,
  });

  it("marks the dumps whose metadata is denied, and still lists the others", async () => {
    const result = await coredump(["list", "--json"], asTeam());
    assert.equal(result.exitCode, 0, result.stderr);
    const states = json<Array<{ id: string; state: string; namespace: string | null }>>(result).map(
      (dump) => [dump.id, dump.state, dump.namespace],
    );
    assert.deepEqual(states, [
      [mine.uuid, "present", "team-a"],
      [theirs.uuid, "denied", null],
      [theirsLoose.uuid, "denied", null],
    ]);
  });

  it("works cleanly with --prefix", async () => {
    const result = await coredump(["list", "--prefix", "team-a/", "--json"], asTeam());
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(
      json<Array<{ id: string; complete: boolean }>>(result).map((dump) => [dump.id, dump.complete]),
      [[mine.uuid, true]],
    );
  });
});

describe("S3: errors a user meets", () => {
  let bucket: string;
  before(async () => {
    bucket = await freshBucket(rig, "errors");
    await putObjects(rig, bucket, looseDump(defaultSpec()));
  });

  it("turns a wrong secret into one line that names the bucket, endpoint and key, never the secret", async () => {
    const result = await coredump(["list"], { ...s3Env(rig, bucket), S3_SECRET: "not-the-secret-123" });
    assert.equal(result.exitCode, 1);
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`s3://${bucket}/ at ${rig.endpoint}`));
    assert.match(result.stderr, new RegExp(`access key ${rig.accessKey} from S3_ACCESS_KEY`));
    assert.match(result.stderr, /SignatureDoesNotMatch/);
    assert.doesNotMatch(result.stderr, /not-the-secret-123/);
  });

  it("names a bucket that does not exist", async () => {
    const result = await coredump(["list"], s3Env(rig, `${bucket}-gone`));
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, new RegExp(`bucket ${bucket}-gone does not exist`));
  });

  it("says where it looked when the endpoint does not answer", async () => {
    const result = await coredump(["list"], { ...s3Env(rig, bucket), S3_ENDPOINT: "http://127.0.0.1:9" });
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /cannot reach s3:\/\/.* at http:\/\/127\.0\.0\.1:9/);
  });

  it("accepts store flags before or after the verb", async () => {
    const env = { ...s3Env(rig, bucket), S3_BUCKET_NAME: "" };
    const before = await coredump(["--bucket", bucket, "list", "--json"], env);
    const after = await coredump(["list", "--json", "--bucket", bucket], env);
    assert.equal(before.exitCode, 0, before.stderr);
    assert.equal(json<unknown[]>(before).length, 1);
    assert.equal(after.stdout, before.stdout);
  });
});
