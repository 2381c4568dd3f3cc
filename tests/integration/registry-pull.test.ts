import assert from "node:assert/strict";
import { readFile, stat, writeFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { before, describe, it } from "node:test";
import { RegistryError, type RegistryErrorKind } from "../../src/image/registry-error.js";
import { buildLayer } from "../support/oci-layer.js";
import { OciPusher } from "../support/oci-push.js";
import { fakeBinary, fileAt, freshRepository, pull, pushLayers } from "../support/registry-images.js";
import { blobPathOnDisk, type RigRegistry, rigRegistry } from "../support/registry-rig.js";

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function failsWith(kind: RegistryErrorKind, pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof RegistryError, String(error));
    assert.equal(error.kind, kind, error.message);
    assert.match(error.message, pattern);
    assert.doesNotMatch(error.message, /\n/);
    return true;
  };
}

describe("pulling an executable out of an image (open registry)", () => {
  let rig: RigRegistry;
  let pusher: OciPusher;
  before(() => {
    rig = rigRegistry();
    pusher = new OciPusher(rig.open);
  });

  it("picks the core's platform from a multi-arch OCI index", async () => {
    const repository = freshRepository("oci-index");
    const amd64 = fakeBinary("amd64");
    const arm64 = fakeBinary("arm64");
    const images = [
      await pushLayers(pusher, repository, undefined, [fileAt("usr/local/bin/node", amd64)], {
        architecture: "amd64",
      }),
      await pushLayers(pusher, repository, undefined, [fileAt("usr/local/bin/node", arm64)], {
        architecture: "arm64",
        variant: "v8",
      }),
    ];
    await pusher.pushIndex(repository, "multi", images, "oci");
    const reference = `${rig.open}/${repository}:multi`;
    assert.deepEqual((await pull(reference)).bytes, amd64);
    const onArm = await pull(reference, {
      platform: { os: "linux", architecture: "arm64" },
      imageId: images[1]?.config.digest,
    });
    assert.deepEqual(onArm.bytes, arm64);
    assert.equal(onArm.manifestDigest, images[1]?.manifest.digest);
    await assert.rejects(
      pull(reference, { platform: { os: "linux", architecture: "s390x" } }),
      failsWith("no-platform", /has no linux\/s390x image \(it has linux\/amd64, linux\/arm64\/v8\)/),
    );
  });

  it("reads a Docker manifest list and Docker v2 manifests, by digest", async () => {
    const repository = freshRepository("docker-list");
    const amd64 = fakeBinary("docker amd64");
    const images = [
      await pushLayers(pusher, repository, undefined, [fileAt("usr/local/bin/node", fakeBinary("arm"))], {
        architecture: "arm64",
        format: "docker",
      }),
      await pushLayers(pusher, repository, undefined, [fileAt("usr/local/bin/node", amd64)], {
        format: "docker",
      }),
    ];
    const list = await pusher.pushIndex(repository, "list", images, "docker");
    const pulled = await pull(`${rig.open}/${repository}@${list.digest}`, {
      imageId: images[1]?.config.digest,
    });
    assert.deepEqual(pulled.bytes, amd64);
  });

  it("follows node as a symlink: absolute, relative, chained, into a lower layer", async () => {
    const repository = freshRepository("symlink");
    const binary = fakeBinary("linked");
    await pushLayers(pusher, repository, "v1", [
      fileAt("opt/node-v18.20.4/bin/node", binary),
      [
        { type: "symlink", path: "opt/node", target: "node-v18.20.4" },
        { type: "symlink", path: "usr/bin/nodejs", target: "/opt/node/bin/node" },
        ...fileAt("usr/local/bin/.keep", ""),
        { type: "symlink", path: "usr/local/bin/node", target: "../../bin/nodejs" },
      ],
    ]);
    const pulled = await pull(`${rig.open}/${repository}:v1`);
    assert.deepEqual(pulled.bytes, binary);
    assert.equal(pulled.path, "/opt/node-v18.20.4/bin/node");
  });

  it("reads a newer layer again when an older layer's symlink points into it", async () => {
    const repository = freshRepository("symlink-up");
    const binary = fakeBinary("upper");
    const progress: string[] = [];
    await pushLayers(pusher, repository, "v1", [
      [{ type: "symlink", path: "usr/local/bin/node", target: "/opt/node/bin/node" }],
      fileAt("opt/node/bin/node", binary),
    ]);
    assert.deepEqual((await pull(`${rig.open}/${repository}:v1`, { progress })).bytes, binary);
    assert.ok(
      progress.some((line) => /reading layer 1 again/.test(line)),
      progress.join("\n"),
    );
  });

  it("resolves a hard link to its target member", async () => {
    const repository = freshRepository("hardlink");
    const binary = fakeBinary("hard");
    await pushLayers(pusher, repository, "v1", [
      [
        ...fileAt("usr/bin/nodejs", binary),
        ...fileAt("usr/local/bin/.keep", ""),
        { type: "hardlink", path: "usr/local/bin/node", target: "usr/bin/nodejs" },
      ],
    ]);
    assert.deepEqual((await pull(`${rig.open}/${repository}:v1`)).bytes, binary);
  });

  it("respects a whiteout, and node added again above it", async () => {
    const repository = freshRepository("whiteout");
    const old = fakeBinary("old");
    const again = fakeBinary("again");
    const deleted = [
      fileAt("usr/local/bin/node", old),
      [{ type: "whiteout" as const, path: "usr/local/bin/node" }],
    ];
    await pushLayers(pusher, repository, "deleted", deleted);
    await pushLayers(pusher, repository, "again", [...deleted, fileAt("usr/local/bin/node", again)]);
    await assert.rejects(
      pull(`${rig.open}/${repository}:deleted`),
      failsWith(
        "not-found",
        /holds no executable at \/usr\/local\/bin\/node: \/usr\/local\/bin\/node does not exist/,
      ),
    );
    assert.deepEqual((await pull(`${rig.open}/${repository}:again`)).bytes, again);
  });

  it("respects an opaque directory, then takes the next candidate on the PATH", async () => {
    const repository = freshRepository("opaque");
    const onPath = fakeBinary("usr-bin");
    await pushLayers(pusher, repository, "v1", [
      [...fileAt("opt/node/bin/node", fakeBinary("hidden")), ...fileAt("usr/bin/node", onPath)],
      [{ type: "opaque", directory: "opt/node" }, ...fileAt("opt/node/README", "nothing here")],
    ]);
    const pulled = await pull(`${rig.open}/${repository}:v1`, {
      candidates: ["/opt/node/bin/node", "/usr/bin/node"],
    });
    assert.equal(pulled.path, "/usr/bin/node");
    assert.deepEqual(pulled.bytes, onPath);
  });

  it("stops at the layer that decides, leaving older layers unread", async () => {
    const repository = freshRepository("early");
    const binary = fakeBinary("early");
    const image = await pushLayers(pusher, repository, "v1", [
      fileAt("etc/base-file", fakeBinary("base")),
      fileAt("usr/local/bin/node", binary),
    ]);
    // Break the base layer on the registry's disk: a pull that read it would fail.
    const base = image.layers[0];
    assert.ok(base);
    await writeFile(blobPathOnDisk(rig.openData, base.digest), Buffer.alloc(base.size));
    assert.deepEqual((await pull(`${rig.open}/${repository}:v1`)).bytes, binary);
  });

  it("catches a blob corrupted on the registry's disk by its digest", async () => {
    const repository = freshRepository("corrupt");
    const content = Buffer.concat([fakeBinary("corrupt"), Buffer.alloc(200_000, 3)]);
    const image = await pushLayers(pusher, repository, "v1", [fileAt("usr/local/bin/node", content)]);
    const layer = image.layers[0];
    assert.ok(layer);
    const onDisk = blobPathOnDisk(rig.openData, layer.digest);
    const bytes = await readFile(onDisk);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 20) ^ 0x55, bytes.length - 20);
    await writeFile(onDisk, bytes);
    assert.equal((await stat(onDisk)).size, layer.size);
    await assert.rejects(
      pull(`${rig.open}/${repository}:v1`),
      failsWith("digest-mismatch", new RegExp(`${layer.digest}`)),
    );
  });

  it("checks the config digest against image-info's id: a tag that moved is another image", async () => {
    const repository = freshRepository("moved");
    const first = await pushLayers(pusher, repository, "latest", [
      fileAt("usr/local/bin/node", fakeBinary("first")),
    ]);
    const second = fakeBinary("second");
    await pushLayers(pusher, repository, "latest", [fileAt("usr/local/bin/node", second)]);
    await assert.rejects(
      pull(`${rig.open}/${repository}:latest`, { imageId: first.config.digest }),
      failsWith("wrong-image", /the tag has moved/),
    );
    // By digest, as repoDigests name it, the crashed image is still there.
    const pulled = await pull(`${rig.open}/${repository}@${first.manifest.digest}`, {
      imageId: first.config.digest,
    });
    assert.equal(pulled.manifestDigest, first.manifest.digest);
  });

  it("accepts the 2020 format: a tag and a truncated id", async () => {
    const repository = freshRepository("era1");
    const binary = fakeBinary("era1");
    const image = await pushLayers(pusher, repository, "latest", [fileAt("usr/local/bin/node", binary)]);
    const truncated = image.config.digest.slice("sha256:".length, "sha256:".length + 13);
    assert.deepEqual((await pull(`${rig.open}/${repository}:latest`, { imageId: truncated })).bytes, binary);
  });

  it("says clearly that a zstd layer cannot be read", async () => {
    const repository = freshRepository("zstd");
    const layer = await buildLayer(fileAt("usr/local/bin/node", fakeBinary("z")));
    await pusher.pushImage(repository, "v1", {
      layers: [{ ...layer, mediaType: "application/vnd.oci.image.layer.v1.tar+zstd" }],
    });
    await assert.rejects(
      pull(`${rig.open}/${repository}:v1`),
      failsWith("unsupported", /\(zstd\).*--binary PATH/),
    );
  });

  it("says the image is gone when its manifest was deleted", async () => {
    const repository = freshRepository("gone");
    const image = await pushLayers(pusher, repository, "v1", [
      fileAt("usr/local/bin/node", fakeBinary("gone")),
    ]);
    await pusher.deleteManifest(repository, image.manifest.digest);
    await assert.rejects(
      pull(`${rig.open}/${repository}@${image.manifest.digest}`),
      failsWith("not-found", /is not on the registry \(MANIFEST_UNKNOWN\).*may have been deleted/),
    );
    await assert.rejects(
      pull(`${rig.open}/coredump-test/never-pushed:v1`),
      failsWith("not-found", /NAME_UNKNOWN|MANIFEST_UNKNOWN/),
    );
  });

  it("says a registry that does not answer is unreachable", async () => {
    const port = await closedPort();
    await assert.rejects(
      pull(`127.0.0.1:${port}/app:v1`),
      failsWith("unreachable", new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`)),
    );
  });
});
