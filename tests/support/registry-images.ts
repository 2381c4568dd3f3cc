/** Small images on the rig's registries for the tests, and a pull of one file out of them. */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pullFileFromImage } from "../../src/image/image-file.js";
import { anonymousKeychain, type Keychain } from "../../src/image/keychain.js";
import type { Platform } from "../../src/image/manifest.js";
import { parseReference } from "../../src/image/reference.js";
import { buildLayer, type LayerMember, parents } from "./oci-layer.js";
import type { ImageSpec, OciPusher, PushedImage } from "./oci-push.js";

/** A repository name no other test (or earlier run) uses. */
export function freshRepository(label: string): string {
  return `coredump-test/${label}-${randomBytes(4).toString("hex")}`;
}

/** Bytes that stand for an executable: unique, so no two images share a blob by accident. */
export function fakeBinary(label: string): Buffer {
  return Buffer.from(`#fake executable ${label} ${randomBytes(8).toString("hex")}\n`);
}

export function fileAt(filePath: string, content: Buffer | string): LayerMember[] {
  return [...parents(filePath), { type: "file", path: filePath, content, mode: 0o755 }];
}

/** Pushes an image whose layers are given oldest first, as in a Dockerfile. */
export async function pushLayers(
  pusher: OciPusher,
  repository: string,
  tag: string | undefined,
  layers: readonly (readonly LayerMember[])[],
  spec: Omit<ImageSpec, "layers"> = {},
): Promise<PushedImage> {
  const built = await Promise.all(layers.map((members) => buildLayer(members)));
  return pusher.pushImage(repository, tag, { ...spec, layers: built });
}

export interface PullOptions {
  platform?: Platform;
  imageId?: string;
  candidates?: string[];
  keychain?: Keychain;
  progress?: string[];
}

/** Pulls one file with the library and returns its bytes and where it was found. */
export async function pull(reference: string, options: PullOptions = {}) {
  const workDir = await mkdtemp(path.join(tmpdir(), "coredump-pull-"));
  const pulled = await pullFileFromImage({
    reference: parseReference(reference),
    platform: options.platform ?? { os: "linux", architecture: "amd64" },
    ...(options.imageId ? { imageId: options.imageId } : {}),
    candidates: () => options.candidates ?? ["/usr/local/bin/node"],
    workDir,
    keychain: options.keychain ?? anonymousKeychain,
    onProgress: (message) => options.progress?.push(message),
  });
  return { ...pulled, bytes: await readFile(pulled.file) };
}
