import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { coredump, json } from "../support/cli.js";
import { projectLlnode } from "../support/llnode-plugin.js";
import { freshBucket, rigS3, s3Env } from "../support/s3-rig.js";

interface Doctor {
  ok: boolean;
  checks: Array<{ name: string; status: string; essential: boolean; detail: string; fix?: string }>;
}

const REGISTRY_PASSWORD = "registry-password-never-printed";

describe("doctor: what is found and what is missing", () => {
  const s3 = rigS3();
  let env: Record<string, string>;

  before(async () => {
    const bucket = await freshBucket(s3, "doctor");
    const docker = await mkdtemp(path.join(tmpdir(), "coredump-doctor-docker-"));
    const auth = Buffer.from(`puller:${REGISTRY_PASSWORD}`).toString("base64");
    await writeFile(
      path.join(docker, "config.json"),
      JSON.stringify({
        auths: { "registry.example:5000": { auth } },
        credHelpers: { "ecr.example": "ecr-login" },
      }),
    );
    env = { ...s3Env(s3, bucket), LLNODE_PLUGIN: await projectLlnode(), DOCKER_CONFIG: docker };
  });

  const check = (report: Doctor, name: string) => {
    const found = report.checks.find((entry) => entry.name === name);
    assert.ok(found, `no ${name} check in ${JSON.stringify(report)}`);
    return found;
  };

  it("with the rig's bucket, lldb and the project's llnode: exit 0, each found, no secret printed", async () => {
    const result = await coredump(["doctor", "--json"], env);
    assert.equal(result.exitCode, 0, result.stdout + result.stderr);
    const report = json<Doctor>(result);
    assert.equal(report.ok, true);
    assert.match(check(report, "store").detail, new RegExp(`access key ${s3.accessKey} .*accepts them`));
    assert.match(check(report, "llnode plugin").detail, /LLNODE_PLUGIN .*patched: reads Node 16 to 24/);
    assert.equal(check(report, "lldb").status, "ok");
    assert.equal(check(report, "cache").status, "ok");
    const registries = check(report, "registry credentials").detail;
    assert.match(registries, /registry\.example:5000 \(basic, /);
    assert.match(registries, /ecr\.example \(helper docker-credential-ecr-login, /);
    for (const secret of [s3.secret, REGISTRY_PASSWORD]) assert.ok(!result.stdout.includes(secret));
  });

  it("a wrong secret: the store check fails, exit 1, and the secret is not printed", async () => {
    const wrong = "wrong-secret-never-printed";
    const result = await coredump(["doctor"], { ...env, S3_SECRET: wrong });
    assert.equal(result.exitCode, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /^FAILED +store +.*access key/m);
    assert.match(result.stdout, /not ready/);
    assert.ok(!(result.stdout + result.stderr).includes(wrong));
  });

  it("no store and a plugin path that does not exist: both essential, exit 1", async () => {
    const result = await coredump(["doctor", "--json"], { LLNODE_PLUGIN: "/nonexistent/llnode.so" });
    assert.equal(result.exitCode, 1);
    const report = json<Doctor>(result);
    assert.equal(report.ok, false);
    assert.equal(check(report, "store").status, "missing");
    assert.equal(check(report, "llnode plugin").status, "failed");
    assert.match(
      check(report, "llnode plugin").detail,
      /LLNODE_PLUGIN=\/nonexistent\/llnode\.so does not exist/,
    );
  });
});
