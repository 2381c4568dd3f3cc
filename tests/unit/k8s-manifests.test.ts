import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { CronJob } from "kubernetes-models/batch/v1/CronJob";
import { Job } from "kubernetes-models/batch/v1/Job";
import { EphemeralContainer } from "kubernetes-models/v1/EphemeralContainer";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { parseAllDocuments } from "yaml";
import { repoRoot } from "../support/repo-root.js";

const folder = path.join(repoRoot(), "docker", "k8s");

type Manifest = { file: string; object: Record<string, unknown> };

async function manifests(): Promise<Manifest[]> {
  const files = (await readdir(folder)).filter((name) => name.endsWith(".yaml"));
  const found = [];
  for (const file of files) {
    for (const document of parseAllDocuments(await readFile(path.join(folder, file), "utf8"))) {
      found.push({ file, object: document.toJS() as Record<string, unknown> });
    }
  }
  return found;
}

async function deployments(): Promise<Manifest[]> {
  return (await manifests()).filter(({ object }) => object.kind === "Deployment");
}

type Model = Deployment | Job | CronJob | ServiceAccount;

/** The Kubernetes model of a manifest's object, by its kind: its `validate()` checks it against the schema. */
function modelOf({ file, object }: Manifest): Model {
  const shape = object as never;
  switch (object.kind) {
    case "Deployment":
      return new Deployment(shape);
    case "Job":
      return new Job(shape);
    case "CronJob":
      return new CronJob(shape);
    case "ServiceAccount":
      return new ServiceAccount(shape);
  }
  throw new Error(`${file}: ${String(object.kind)} is not a kind these manifests use`);
}

/** The pod template of every workload (Deployment, Job, CronJob), with the file it is in. */
async function podSpecs() {
  const pods = [];
  for (const manifest of await manifests()) {
    const model = modelOf(manifest);
    const pod =
      model instanceof Deployment || model instanceof Job
        ? model.spec?.template.spec
        : model instanceof CronJob
          ? model.spec?.jobTemplate.spec?.template.spec
          : undefined;
    if (pod) pods.push({ file: manifest.file, pod });
  }
  return pods;
}

describe("Kubernetes manifests", () => {
  it("validate against the Kubernetes schemas", async () => {
    const all = await manifests();
    assert.ok((await deployments()).length >= 3);
    for (const manifest of all) {
      const model = modelOf(manifest);
      assert.doesNotThrow(() => model.validate(), manifest.file);
    }
  });

  it("name the image with a registry the user replaces, tagged with the package's version", async () => {
    const { version } = JSON.parse(await readFile(path.join(repoRoot(), "package.json"), "utf8")) as {
      version: string;
    };
    for (const { file, pod } of await podSpecs())
      for (const container of pod.containers)
        assert.equal(container.image, `REGISTRY/coredump-analyser:${version}`, file);
  });

  it("run as a non-root user with no privileges and nothing writable but their volumes", async () => {
    for (const { file, pod } of await podSpecs()) {
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

  it("without the s3config secret, take credentials from a service account and name the bucket", async () => {
    const found = (await manifests()).filter(({ file }) => file === "analyser-service-account.yaml");
    const account = found.find(({ object }) => object.kind === "ServiceAccount")?.object;
    const deployment = new Deployment(
      found.find(({ object }) => object.kind === "Deployment")?.object as ConstructorParameters<
        typeof Deployment
      >[0],
    );
    const pod = deployment.spec?.template.spec;
    assert.equal(pod?.serviceAccountName, (account?.metadata as { name?: string } | undefined)?.name);
    const env = pod?.containers[0]?.env ?? [];
    assert.ok(env.every((variable) => variable.valueFrom?.secretKeyRef === undefined));
    assert.deepEqual(
      env.filter((variable) => variable.name.startsWith("S3_")).map((variable) => variable.name),
      ["S3_BUCKET_NAME", "S3_REGION"],
    );
  });

  it("triage as an Indexed Job (and a CronJob of it) with per-index retries, the shard count beside the completions, memory asked for and the analyser's credentials", async () => {
    const all = await manifests();
    const job = modelOf(all.find(({ object }) => object.kind === "Job") as Manifest) as Job;
    const cron = modelOf(all.find(({ object }) => object.kind === "CronJob") as Manifest) as CronJob;
    const analyser = new Deployment(all.find(({ file }) => file === "analyser.yaml")?.object as never);
    const secrets = (env: ReadonlyArray<{ name: string; valueFrom?: unknown }> = []) =>
      env.filter((variable) => variable.name.startsWith("S3_")).map((variable) => JSON.stringify(variable));
    for (const spec of [job.spec, cron.spec?.jobTemplate.spec]) {
      assert.equal(spec?.completionMode, "Indexed");
      assert.ok((spec?.backoffLimitPerIndex ?? 0) > 0);
      assert.equal(spec?.template.spec?.restartPolicy, "Never");
      const container = spec?.template.spec?.containers[0];
      assert.equal(container?.args?.[0], "triage");
      const completions = container?.env?.find((variable) => variable.name === "JOB_COMPLETIONS")?.value;
      assert.equal(completions, String(spec?.completions));
      assert.ok(container?.resources?.requests?.memory && container.resources.limits?.memory);
      assert.deepEqual(secrets(container?.env), secrets(analyser.spec?.template.spec?.containers[0]?.env));
    }
    assert.equal(cron.spec?.concurrencyPolicy, "Forbid");
  });

  it("give kubectl debug a valid ephemeral container that can ptrace another container's process", async () => {
    const custom = parseAllDocuments(
      await readFile(path.join(folder, "debug", "capture.yaml"), "utf8"),
    )[0]?.toJS() as Record<string, unknown>;
    const container = new EphemeralContainer({
      name: "coredump",
      image: "REGISTRY/coredump-analyser:0.1.0",
      targetContainerName: "app",
      ...custom,
    });
    assert.doesNotThrow(() => container.validate());
    assert.deepEqual(container.securityContext?.capabilities?.add, ["SYS_PTRACE"]);
    assert.equal(container.securityContext?.runAsUser, 0);
  });
});
