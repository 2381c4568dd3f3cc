import { type ImageConfig, parseImageConfig } from "./image-config.js";
import { matchesImageId } from "./image-id.js";
import type { Keychain } from "./keychain.js";
import { normalizeArchivePath } from "./layer-index.js";
import { LayerWalk } from "./layer-walk.js";
import { choosePlatform, formatPlatform, type Manifest, type Platform } from "./manifest.js";
import { formatReference, type ImageReference, manifestSelector } from "./reference.js";
import { RegistryClient } from "./registry-client.js";
import { RegistryError } from "./registry-error.js";

export interface ImageFileRequest {
  reference: ImageReference;
  platform: Platform;
  /** The image id image-info recorded: the chosen manifest's config digest must be it. */
  imageId?: string;
  /** Where to look, most likely first; given the image's config, for a search of its PATH. */
  candidates: (config: ImageConfig) => string[];
  /** A folder for the extracted file, on the file system where it will end up. */
  workDir: string;
  keychain: Keychain;
  insecureRegistries?: readonly string[];
  onProgress?: (message: string) => void;
}

export interface ImageFile {
  /** The extracted file, in `workDir`; the caller moves or removes it. */
  file: string;
  /** Its path inside the image, symlinks resolved. */
  path: string;
  manifestDigest: string;
  layerDigest: string;
}

/**
 * Pulls one file out of an image: picks the platform, then reads layers newest first only until the path
 * is decided, keeping the contents of the members that may be the file. Every layer read is read whole,
 * so its digest is checked even when the file came early.
 */
export async function pullFileFromImage(request: ImageFileRequest): Promise<ImageFile> {
  const { reference, platform } = request;
  const progress = request.onProgress ?? (() => {});
  const client = new RegistryClient(reference, request);
  const name = formatReference(reference);
  progress(`reading ${name} for ${formatPlatform(platform)}`);
  const { manifest, digest } = await imageManifest(client, reference, platform);
  if (request.imageId && !matchesImageId(manifest.config.digest, request.imageId)) {
    throw new RegistryError(
      "wrong-image",
      `${name} is now image ${manifest.config.digest}, not ${request.imageId} that crashed: the tag has moved since`,
    );
  }
  const config = parseImageConfig(await client.smallBlob(manifest.config, `the config of ${name}`));
  if (config.architecture && config.architecture !== platform.architecture) {
    throw new RegistryError(
      "no-platform",
      `${name} is built for ${config.architecture}, the core for ${platform.architecture}`,
    );
  }
  const candidates = [...new Set(request.candidates(config).map(normalizeArchivePath))];
  const layers = [...manifest.layers].reverse();
  const walk = new LayerWalk(client, layers, request.workDir, name, progress);
  try {
    const found = await walk.find(candidates);
    const file = await walk.contentsOf(found);
    await walk.discardExcept(file);
    const layer = layers[found.layer];
    return { file, path: found.path, manifestDigest: digest, layerDigest: layer?.digest ?? "" };
  } catch (error) {
    await walk.discardExcept();
    throw error;
  }
}

/** The image manifest for the platform, through an index when the tag names several. */
async function imageManifest(
  client: RegistryClient,
  reference: ImageReference,
  platform: Platform,
): Promise<{ manifest: Extract<Manifest, { kind: "image" }>; digest: string }> {
  const top = await client.manifest(manifestSelector(reference));
  if (top.manifest.kind === "image") return { manifest: top.manifest, digest: top.digest };
  const chosen = choosePlatform(top.manifest.manifests, platform);
  if (!chosen) {
    const offered = top.manifest.manifests.flatMap((entry) =>
      entry.platform ? [formatPlatform(entry.platform)] : [],
    );
    throw new RegistryError(
      "no-platform",
      `${formatReference(reference)} has no ${formatPlatform(platform)} image (it has ${offered.join(", ") || "none"})`,
    );
  }
  const inner = await client.manifest(chosen.digest);
  if (inner.manifest.kind !== "image")
    throw new RegistryError(
      "protocol",
      `${formatReference(reference)}: an index inside an index is not supported`,
    );
  return { manifest: inner.manifest, digest: inner.digest };
}
