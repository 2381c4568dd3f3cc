import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { parseAllDocuments } from "yaml";
import { repoRoot } from "../support/repo-root.js";

const folder = path.join(repoRoot(), "docker", "k8s");

async function manifests(): Promise<Array<{ file: string; object: Record<string, unknown> }>> {
  const files = (await readdir(folder)).filter((name) => name.endsWith(".yaml"));
  const found = [];
  for (const file of files) {
    for (const document of parseAllDocuments(await readFile(path.join(folder, file), "utf8"))) {
      found.push({ file, object: document.toJS() as Record<string, unknown> });
    }
  }
  return found;
}

describe("Kubernetes manifests", () => {
  it("validate against the Kubernetes schemas", async () => {
    const all = await manifests();
    assert.ok(all.length >= 2);
    for (const { file, object } of all) {
      assert.equal(object.kind, "Deployment", file);
      assert.doesNotThrow(
        () => new Deployment(object as ConstructorParameters<typeof Deployment>[0]).validate(),
        file,
      );
    }
  });

  it("run as a non-root user with no privileges and nothing writable but their volumes", async () => {
    for (const { file, object } of await manifests()) {
      const deployment = new Deployment(object as ConstructorParameters<typeof Deployment>[0]);
      const pod = deployment.spec?.template.spec;
      assert.equal(pod?.securityContext?.runAsNonRoot, true, file);
      for (const container of pod?.containers ?? []) {
        assert.equal(container.securityContext?.allowPrivilegeEscalation, false, file);
        assert.deepEqual(container.securityContext?.capabilities?.drop, ["ALL"], file);
        assert.equal(container.securityContext?.readOnlyRootFilesystem, true, file);
      }
    }
  });

  it("take S3 settings from core-dump-handler's s3config secret, or mount the bucket read-only at /cores", async () => {
    const byFile = new Map((await manifests()).map(({ file, object }) => [file, JSON.stringify(object)]));
    const s3 = byFile.get("analyser.yaml") ?? "";
    for (const key of ["s3AccessKey", "s3Secret", "s3BucketName", "s3Region"])
      assert.match(s3, new RegExp(`"key":"${key}"`));
    assert.match(s3, /"key":"s3Endpoint","optional":true/);
    assert.match(byFile.get("analyser-cores-mount.yaml") ?? "", /"mountPath":"\/cores","readOnly":true/);
  });
});
