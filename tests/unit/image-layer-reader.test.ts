import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import { LayerIndex } from "../../src/image/layer-index.js";
import { readLayer } from "../../src/image/layer-reader.js";
import { RegistryError } from "../../src/image/registry-error.js";
import { VerifyingStream } from "../../src/image/verified-stream.js";
import { buildLayer } from "../support/oci-layer.js";
import { sha256 } from "../support/oci-push.js";

function verified(blob: Buffer, digest = sha256(blob), chunk = 1000): Readable {
  const pieces: Buffer[] = [];
  for (let at = 0; at < blob.length; at += chunk) pieces.push(blob.subarray(at, at + chunk));
  return Readable.from(pieces).pipe(new VerifyingStream(digest, blob.length, "test layer"));
}

describe("reading a layer", () => {
  it("indexes every member and keeps only the contents asked for", async () => {
    const work = await mkdtemp(path.join(tmpdir(), "coredump-layer-"));
    const { blob } = await buildLayer([
      { type: "directory", path: "usr/local/bin/" },
      { type: "file", path: "usr/local/bin/node", content: "the binary", mode: 0o755 },
      { type: "file", path: "etc/os-release", content: "debian" },
      { type: "symlink", path: "usr/bin/node", target: "../local/bin/node" },
      { type: "whiteout", path: "usr/bin/nodejs" },
      { type: "opaque", directory: "opt/app" },
    ]);
    const index = new LayerIndex();
    const captured = await readLayer({
      blob: verified(blob),
      compression: "gzip",
      index,
      what: "layer",
      captureTo: (member) => (member === "/usr/local/bin/node" ? path.join(work, "node") : undefined),
    });
    assert.deepEqual([...captured], [["/usr/local/bin/node", path.join(work, "node")]]);
    assert.equal(await readFile(path.join(work, "node"), "utf8"), "the binary");
    assert.deepEqual(index.entries.get("/usr/bin/node"), { type: "symlink", target: "../local/bin/node" });
    assert.equal(index.entries.get("/etc/os-release")?.type, "file");
    assert.deepEqual([...index.whiteouts], ["/usr/bin/nodejs"]);
    assert.deepEqual([...index.opaque], ["/opt/app"]);
  });

  it("reports a corrupt blob as a digest mismatch, not as bad gzip, and keeps no half file", async () => {
    const work = await mkdtemp(path.join(tmpdir(), "coredump-layer-"));
    const { blob } = await buildLayer([{ type: "file", path: "node", content: Buffer.alloc(300_000, 7) }]);
    const digest = sha256(blob);
    const corrupt = Buffer.from(blob);
    const middle = Math.floor(corrupt.length / 2);
    corrupt.writeUInt8((corrupt.readUInt8(middle) + 1) % 256, middle);
    await assert.rejects(
      readLayer({
        blob: verified(corrupt, digest),
        compression: "gzip",
        index: new LayerIndex(),
        what: "layer",
        captureTo: () => path.join(work, "node"),
      }),
      (error: unknown) =>
        error instanceof RegistryError && error.kind === "digest-mismatch" && error.message.includes(digest),
    );
    assert.deepEqual(await readdir(work), []);
  });

  it("checks the digest even when the tar ends before the blob does", async () => {
    const { blob } = await buildLayer([{ type: "file", path: "a", content: "x" }], { compression: "none" });
    const padded = Buffer.concat([blob, Buffer.alloc(4096)]);
    await assert.rejects(
      readLayer({
        blob: verified(padded, sha256(blob)),
        compression: "none",
        index: new LayerIndex(),
        what: "layer",
        captureTo: () => undefined,
      }),
      /is corrupt/,
    );
  });

  it("says what is wrong with a blob that is not gzip", async () => {
    const bytes = Buffer.from("this is not a gzip stream at all");
    await assert.rejects(
      readLayer({
        blob: verified(bytes),
        compression: "gzip",
        index: new LayerIndex(),
        what: "layer 1 of x",
        captureTo: () => undefined,
      }),
      /layer 1 of x is not a readable gzip tar/,
    );
  });
});
