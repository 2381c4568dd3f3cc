import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseImageConfig, pathCandidates } from "../../src/image/image-config.js";
import { matchesImageId } from "../../src/image/image-id.js";
import { choosePlatform, parseManifest } from "../../src/image/manifest.js";
import { layerCompression } from "../../src/image/media-types.js";
import { RegistryError } from "../../src/image/registry-error.js";

const d = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

const INDEX = {
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.index.v1+json",
  manifests: [
    {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: d(1),
      size: 10,
      platform: { os: "linux", architecture: "arm", variant: "v7" },
    },
    {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: d(2),
      size: 10,
      platform: { os: "linux", architecture: "arm64", variant: "v8" },
    },
    {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: d(3),
      size: 10,
      platform: { os: "unknown", architecture: "unknown" },
    },
    {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: d(4),
      size: 10,
      platform: { os: "linux", architecture: "amd64" },
    },
  ],
};

describe("manifests", () => {
  it("reads an OCI index and picks the platform of the core's machine", () => {
    const manifest = parseManifest(json(INDEX), "application/vnd.oci.image.index.v1+json", "x");
    assert.equal(manifest.kind, "index");
    if (manifest.kind !== "index") return;
    assert.equal(choosePlatform(manifest.manifests, { os: "linux", architecture: "amd64" })?.digest, d(4));
    assert.equal(choosePlatform(manifest.manifests, { os: "linux", architecture: "arm64" })?.digest, d(2));
    assert.equal(choosePlatform(manifest.manifests, { os: "linux", architecture: "s390x" }), undefined);
  });

  it("reads a Docker manifest list by its content type when the body names none", () => {
    const { mediaType: _omitted, ...body } = INDEX;
    const manifest = parseManifest(
      json(body),
      "application/vnd.docker.distribution.manifest.list.v2+json",
      "x",
    );
    assert.equal(manifest.kind, "index");
    assert.equal(manifest.mediaType, "application/vnd.docker.distribution.manifest.list.v2+json");
  });

  it("reads OCI and Docker image manifests", () => {
    for (const mediaType of [
      "application/vnd.oci.image.manifest.v1+json",
      "application/vnd.docker.distribution.manifest.v2+json",
    ]) {
      const manifest = parseManifest(
        json({
          schemaVersion: 2,
          mediaType,
          config: { mediaType: "c", digest: d(5), size: 3 },
          layers: [{ mediaType: "l", digest: d(6), size: 4 }],
        }),
        undefined,
        "x",
      );
      assert.equal(manifest.kind, "image");
      if (manifest.kind === "image") {
        assert.equal(manifest.config.digest, d(5));
        assert.deepEqual(
          manifest.layers.map((layer) => layer.size),
          [4],
        );
      }
    }
  });

  it("refuses schema 1 and what is not a manifest, with a message that says so", () => {
    assert.throws(
      () => parseManifest(json({ schemaVersion: 1, fsLayers: [] }), undefined, "old/app:1"),
      (error: unknown) =>
        error instanceof RegistryError && error.kind === "unsupported" && /schema 1/.test(error.message),
    );
    assert.throws(() => parseManifest(Buffer.from("<html>"), undefined, "x"), /not JSON/);
  });

  it("knows layer compressions, zstd included so that it can refuse it clearly", () => {
    assert.equal(layerCompression("application/vnd.oci.image.layer.v1.tar+gzip"), "gzip");
    assert.equal(layerCompression("application/vnd.docker.image.rootfs.diff.tar.gzip"), "gzip");
    assert.equal(layerCompression("application/vnd.oci.image.layer.v1.tar"), "none");
    assert.equal(layerCompression("application/vnd.oci.image.layer.v1.tar+zstd"), "zstd");
    assert.equal(layerCompression("application/vnd.in-toto+json"), undefined);
  });
});

describe("image ids and configs", () => {
  it("matches full ids exactly and the 2020 truncated ids by prefix", () => {
    const config = "sha256:3b8adc6c30f4e7e4afb57daef9d1c8af783a4a647a4670780e9df085c0525efa";
    assert.equal(matchesImageId(config, config), true);
    assert.equal(matchesImageId(config, "3b8adc6c30f4e"), true);
    assert.equal(matchesImageId(config, "3b8adc6c30f5e"), false);
    assert.equal(matchesImageId(config, `sha256:${"0".repeat(64)}`), false);
  });

  it("reads the architecture and PATH, and lists where a command would be found", () => {
    const config = parseImageConfig(
      json({
        architecture: "amd64",
        os: "linux",
        config: { Env: ["NODE_VERSION=18", "PATH=/opt/bin:/usr/bin/"] },
      }),
    );
    assert.deepEqual(config, { architecture: "amd64", os: "linux", path: "/opt/bin:/usr/bin/" });
    assert.deepEqual(pathCandidates(config, "node"), ["/opt/bin/node", "/usr/bin/node"]);
    assert.equal(pathCandidates({}, "node")[1], "/usr/local/bin/node");
  });
});
