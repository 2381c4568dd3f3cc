import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { coredump, json } from "../support/cli.js";
import { defaultSpec, looseDump } from "../support/handler-layout.js";
import { freshBucket, grantPrefix, putObjects, rigS3, s3Env } from "../support/s3-rig.js";

interface Doctor {
  ok: boolean;
  checks: Array<{ name: string; status: string; essential: boolean; detail: string; fix?: string }>;
}

function check(report: Doctor, name: string) {
  const found = report.checks.find((entry) => entry.name === name);
  assert.ok(found, `no ${name} check in ${JSON.stringify(report)}`);
  return found;
}

describe("doctor diagnoses: under a team's key, with the reason and the fix", () => {
  const s3 = rigS3();
  const prefix = "team-a/";

  async function teamBucket(): Promise<Record<string, string>> {
    const bucket = await freshBucket(s3, "doctor-team");
    await putObjects(s3, bucket, looseDump(defaultSpec({ keyPrefix: "team-a" })));
    await grantPrefix(s3, bucket, s3.team.user, prefix, { listPrefixOnly: true });
    return { ...s3Env(s3, bucket), S3_ACCESS_KEY: s3.team.accessKey, S3_SECRET: s3.team.secret };
  }

  it("the store check passes with --prefix where the team's policy allows it, as list does", async () => {
    const env = await teamBucket();
    const list = await coredump(["list", "--prefix", prefix, "--json"], env);
    assert.equal(list.exitCode, 0, list.stderr);
    assert.equal(json<unknown[]>(list).length, 1);
    const result = await coredump(["doctor", "--prefix", prefix, "--json"], env);
    const store = check(json<Doctor>(result), "store");
    assert.equal(store.status, "ok", `${store.detail} ${store.fix}`);
    assert.match(store.detail, /accepts them/);
  });

  it("a wrong secret: the store check says why (the signature) and what to do", async () => {
    const env = { ...(await teamBucket()), S3_SECRET: "wrong-secret-never-printed" };
    const result = await coredump(["doctor", "--prefix", prefix], env);
    assert.equal(result.exitCode, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /^FAILED +store +.*SignatureDoesNotMatch/m);
    assert.match(result.stdout, /check S3_ACCESS_KEY and S3_SECRET/);
    assert.ok(!(result.stdout + result.stderr).includes("wrong-secret-never-printed"));
  });

  it("a listing denied outside the team's prefix names the listing and says to use --prefix", async () => {
    const env = await teamBucket();
    const result = await coredump(["list"], env);
    assert.equal(result.exitCode, 1, result.stdout);
    assert.match(
      result.stderr,
      /^coredump: listing the bucket: access denied to .*: use --prefix for the part these credentials may read/,
    );
  });

  it("the working folder: where it is and how much room it has", async () => {
    const result = await coredump(["doctor", "--json", "--workdir", "/tmp/coredump-doctor-work"], {});
    const workdir = check(json<Doctor>(result), "working folder");
    assert.match(workdir.detail, /^\/tmp\/coredump-doctor-work, [\d.]+ [kMGT]?B free/);
  });
});
