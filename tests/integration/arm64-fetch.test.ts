/**
 * aarch64 cores on this x86-64 machine, end to end: real crashes of the official arm64 Node builds under
 * qemu-user (tests/support/arm64-core.ts), packed as core-dump-handler zips in the rig's RGW, whose images are
 * OCI indexes on the rig's registry listing linux/amd64 and linux/arm64. qemu's cores hold no NT_FILE and no
 * build-id: the executable is taken from the image pinned by digest when its architecture, Node version and
 * data agree with the core's, and labelled so, never as a build-id match.
 */
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { readCoreSummary, readExecutableInfo } from "../../src/elf/index.js";
import { ARM64_NODE_VERSIONS, arm64Core, arm64Node, arm64OomCore } from "../support/arm64-core.js";
import { coredump, freshCacheHome, json } from "../support/cli.js";
import { type CrashedProcess, crashSpec } from "../support/crash-dumps.js";
import { type ImageSpec, zipDump } from "../support/handler-layout.js";
import { projectLlnode } from "../support/llnode-plugin.js";
import { officialNode } from "../support/node-builds.js";
import { buildLayer, fileFromDisk, parents } from "../support/oci-layer.js";
import { OciPusher, type PushedImage } from "../support/oci-push.js";
import { fakeBinary, fileAt, freshRepository } from "../support/registry-images.js";
import { rigRegistry } from "../support/registry-rig.js";
import { freshBucket, putObjects, rigS3, s3Env } from "../support/s3-rig.js";

const LABEL = "verified by image digest and version, not by build-id";
const NODE = "usr/local/bin/node";

interface FetchJson {
  id: string;
  machine: string | null;
  executable: string | null;
  reason?: string;
  buildId?: string;
  executableSource?: string;
  executableDetail?: string;
  verification?: string;
}

interface Arm64Dump {
  version: string;
  id: string;
  arm64Node: string;
  index: string;
}

describe("aarch64 cores made under qemu-user: list, info and fetch on x86-64", () => {
  let env: Record<string, string>;
  const dumps: Arm64Dump[] = [];
  let oomId: string;
  let mislabeledId: string;
  let otherVersionId: string;
  let x86Node22: string;

  before(async () => {
    const registry = rigRegistry();
    const pusher = new OciPusher(registry.open);
    const s3 = rigS3();
    const bucket = await freshBucket(s3, "arm64");
    env = { ...s3Env(s3, bucket), XDG_CACHE_HOME: freshCacheHome() };
    x86Node22 = await officialNode("22.20.0");
    const indexes = new Map<string, ImageSpec>();
    const objects = [];
    for (const version of ARM64_NODE_VERSIONS) {
      const node = await arm64Node(version);
      const image = await pushIndex(pusher, `arm64-${version}`, {
        arm64: node,
        amd64: version === "22.20.0" ? x86Node22 : undefined,
      });
      indexes.set(version, image);
      const crash = await arm64Core(version);
      // The largest core (Node 24's, 322 MB) as the composer writes it with compression off; the others Deflated.
      const { uuid, stored } = packed(crash, image, version === "24.20.0" ? "store" : "deflate");
      objects.push(...stored);
      dumps.push({ version, id: uuid, arm64Node: node, index: image.digest });
    }
    const image22 = indexes.get("22.20.0") as ImageSpec;
    const oom = packed(await arm64OomCore("22.20.0"), image22, "deflate");
    oomId = oom.uuid;
    // An image whose arm64 entry holds the x86-64 build (core-dump-handler#168: builds mixed up).
    const mislabeled = await pushIndex(pusher, "arm64-mislabeled", { arm64: x86Node22, amd64: undefined });
    const crash22 = await arm64Core("22.20.0");
    const wrong = packed(crash22, mislabeled, "store");
    mislabeledId = wrong.uuid;
    // Node 22's core with Node 24's image: the right architecture, another version.
    const other = packed(crash22, indexes.get("24.20.0") as ImageSpec, "store");
    otherVersionId = other.uuid;
    await putObjects(s3, bucket, [...objects, ...oom.stored, ...wrong.stored, ...other.stored]);
  });

  it("fetches the arm64 executable from the image's linux/arm64 manifest, labelled as verified by digest and version (Node 20, 22, 24)", async () => {
    for (const dump of dumps) {
      const workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
      const result = await coredump(["fetch", dump.id, "--json", "--workdir", workdir], env);
      assert.equal(result.exitCode, 0, result.stderr);
      const fetched = json<FetchJson>(result);
      assert.equal(fetched.machine, "aarch64", dump.version);
      assert.ok(fetched.executable, `${dump.version}: ${fetched.reason}`);
      assert.equal(fetched.executableSource, "image");
      assert.equal(fetched.verification, "image-digest-and-version");
      assert.match(fetched.executableDetail ?? "", new RegExp(LABEL));
      assert.match(fetched.executableDetail ?? "", new RegExp(`@${dump.index} /${NODE}`));
      assert.match(fetched.executableDetail ?? "", new RegExp(`Node ${dump.version.replace(/\./g, "\\.")}`));
      assert.doesNotMatch(fetched.executableDetail ?? "", /build-id matches/);
      const chosen = await readExecutableInfo(fetched.executable);
      const expected = await readExecutableInfo(dump.arm64Node);
      assert.equal(chosen.machine.name, "aarch64");
      assert.equal(
        chosen.buildId,
        expected.buildId,
        `${dump.version}: the arm64 build, not the amd64 entry's`,
      );
      // The core itself holds no build-id to compare with: that is why the label says so.
      assert.equal(
        (await readCoreSummary(path.join(workdir, dump.id, "core"))).executable?.buildId,
        undefined,
      );
    }
  });

  it("says so in the human output too, and never calls it a build-id match", async () => {
    const dump = dumps.find((each) => each.version === "22.20.0") as Arm64Dump;
    const workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    const result = await coredump(["fetch", dump.id, "--workdir", workdir], env);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /machine {5}aarch64 \(arm64\), a core without NT_FILE/);
    assert.match(result.stdout, new RegExp(LABEL));
    assert.match(result.stdout, /the file's build-id [0-9a-f]+ \(the core holds none\)/);
    assert.doesNotMatch(result.stdout, /build-id matches/);
  });

  // One report (llnode under lldb on the arm64 core takes half a minute here); the words come from the same fields.
  it("report names the architecture and the weaker proof", async () => {
    const dump = dumps.find((each) => each.version === "22.20.0") as Arm64Dump;
    const workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    // The project's llnode, built once (scripts/test.sh), not on first use in this fresh cache.
    const withLlnode = { ...env, LLNODE_PLUGIN: await projectLlnode() };
    const result = await coredump(["report", dump.id, "--json", "--workdir", workdir], withLlnode);
    assert.equal(result.exitCode, 0, result.stderr);
    const report = json<{
      machine: { name: string; architecture: string } | null;
      executable: { source: string; verification: string; verificationNote?: string } | null;
    }>(result);
    assert.deepEqual(report.machine, { name: "aarch64", architecture: "arm64" });
    assert.equal(report.executable?.verification, "image-digest-and-version");
    assert.equal(report.executable?.verificationNote, LABEL);
  });

  it("fetches the arm64 OOM core's executable the same way", async () => {
    const workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    const result = await coredump(["fetch", oomId, "--json", "--workdir", workdir], env);
    assert.equal(result.exitCode, 0, result.stderr);
    const fetched = json<FetchJson>(result);
    assert.equal(fetched.machine, "aarch64");
    assert.equal(fetched.verification, "image-digest-and-version");
  });

  it("info and list name the architecture: aarch64 (list once a fuller read has seen the core)", async () => {
    for (const dump of dumps) {
      const info = await coredump(["info", dump.id, "--json"], env);
      assert.equal(info.exitCode, 0, info.stderr);
      const described = json<{ machine: string | null; fileNote: boolean | null }>(info);
      assert.equal(described.machine, "aarch64", dump.version);
      assert.equal(described.fileNote, false, dump.version);
    }
    const human = await coredump(["info", dumps[0]?.id ?? ""], env);
    assert.match(human.stdout, /^machine +aarch64 \(arm64\)$/m);
    assert.match(human.stdout, /verified by image digest and version, not by build-id/);
    const listed = json<Array<{ id: string; machine: string | null }>>(
      await coredump(["list", "--json"], env),
    );
    for (const dump of dumps)
      assert.equal(listed.find((each) => each.id === dump.id)?.machine, "aarch64", dump.version);
  });

  it("refuses the x86-64 executable for an arm64 core, with --binary (and --no-verify), naming both architectures in one line", async () => {
    const dump = dumps.find((each) => each.version === "22.20.0") as Arm64Dump;
    for (const extra of [[], ["--no-verify"]]) {
      const workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
      const result = await coredump(
        ["fetch", dump.id, "--workdir", workdir, "--binary", x86Node22, ...extra],
        env,
      );
      assert.equal(result.exitCode, 1, result.stderr);
      const lines = result.stderr
        .trim()
        .split("\n")
        .filter((line) => !line.startsWith("coredump: fetching"));
      const refusal = lines.filter((line) => /aarch64 \(arm64\)/.test(line));
      assert.equal(refusal.length, 1, result.stderr);
      assert.match(refusal[0] ?? "", /the core is aarch64 \(arm64\), but .* is x86_64 \(amd64\)/);
    }
  });

  it("refuses an image whose linux/arm64 entry holds the x86-64 build, naming both architectures", async () => {
    const workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    const result = await coredump(["fetch", mislabeledId, "--json", "--workdir", workdir], env);
    assert.equal(result.exitCode, 1, result.stderr);
    assert.match(result.stderr, /the core is aarch64 \(arm64\), but .*node in .* is x86_64 \(amd64\)/);
  });

  it("takes no executable of another Node version, however the image is pinned", async () => {
    const workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    const result = await coredump(["fetch", otherVersionId, "--json", "--workdir", workdir], env);
    assert.equal(result.exitCode, 0, result.stderr);
    const fetched = json<FetchJson>(result);
    assert.equal(fetched.executable, null);
    assert.match(fetched.reason ?? "", /is Node 24\.20\.0, the core names Node 22\.20\.0/);
  });
});

/** An OCI index of a linux/arm64 image holding `arm64` (and a linux/amd64 one, holding `amd64` or a stand-in). */
async function pushIndex(
  pusher: OciPusher,
  label: string,
  binaries: { arm64: string; amd64: string | undefined },
): Promise<ImageSpec> {
  const repository = freshRepository(label);
  const base = await buildLayer(fileAt("etc/debian_version", fakeBinary("base")));
  const image = async (architecture: string, node: string | undefined): Promise<PushedImage> =>
    pusher.pushImage(repository, undefined, {
      architecture,
      ...(architecture === "arm64" ? { variant: "v8" } : {}),
      layers: [
        base,
        await buildLayer(
          node ? [...parents(NODE), await fileFromDisk(NODE, node)] : fileAt(NODE, fakeBinary(architecture)),
        ),
      ],
    });
  const amd64 = await image("amd64", binaries.amd64);
  const arm64 = await image("arm64", binaries.arm64);
  const index = await pusher.pushIndex(repository, "v1", [amd64, arm64]);
  const registry = rigRegistry();
  return { repo: `${registry.open}/${repository}`, tag: "v1", digest: index.digest, id: arm64.config.digest };
}

/** The crash as the handler's zip of a pod running `image`. */
function packed(crash: CrashedProcess, image: ImageSpec, coreCompression: "deflate" | "store") {
  const spec = crashSpec(crash, image);
  return { uuid: spec.uuid, stored: zipDump(spec, { coreCompression }) };
}
