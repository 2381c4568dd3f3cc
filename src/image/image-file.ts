import { copyFile, rm } from "node:fs/promises";
import { type ImageConfig, parseImageConfig } from "./image-config.js";
import { matchesImageId } from "./image-id.js";
import type { Keychain } from "./keychain.js";
import { normalizeArchivePath } from "./layer-index.js";
import { type FoundFile, LayerWalk, NotInImage } from "./layer-walk.js";
import { choosePlatform, type Descriptor, formatPlatform, type Manifest, type Platform } from "./manifest.js";
import { formatReference, type ImageReference, manifestSelector } from "./reference.js";
import { RegistryClient } from "./registry-client.js";
import { RegistryError } from "./registry-error.js";
import type { RetryLimits } from "./retry-policy.js";
import type { TransferWatcher } from "./transfer-watcher.js";

/** Which image to open, and how to reach its registry. */
export interface ImageOpenRequest {
  reference: ImageReference;
  platform: Platform;
  /** The image id image-info recorded: the chosen manifest's config digest must be it. */
  imageId?: string;
  keychain: Keychain;
  insecureRegistries?: readonly string[];
  /** Retries, waits and stalls of the registry's requests (settings.ts). */
  limits?: RetryLimits;
  onProgress?: (message: string) => void;
  /** A watcher of each layer's download (bytes, rate), given what is downloaded. */
  onTransfer?: (what: string) => TransferWatcher;
}

export interface ImageFileRequest extends ImageOpenRequest {
  /** Where to look, most likely first; given the image's config, for a search of its PATH. */
  candidates: (config: ImageConfig) => string[];
  /** A folder for the extracted file, on the file system where it will end up. */
  workDir: string;
}

export interface ImageFile {
  /** The extracted file, in `workDir`; the caller moves or removes it. */
  file: string;
  /** Its path inside the image, symlinks resolved. */
  path: string;
  manifestDigest: string;
  layerDigest: string;
}

/** An image whose manifest and config have been read and checked, ready for its layers to be walked. */
export interface OpenImage {
  client: RegistryClient;
  name: string;
  manifestDigest: string;
  config: ImageConfig;
  /** Newest first. */
  layers: Descriptor[];
  progress: (message: string) => void;
  transfer?: (what: string) => TransferWatcher;
}

/**
 * Opens an image: picks the platform's manifest, checks it is the image that crashed (when its id is
 * known) and built for the platform's architecture, and reads its config.
 */
export async function openImage(request: ImageOpenRequest): Promise<OpenImage> {
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
  const layers = [...manifest.layers].reverse();
  const transfer = request.onTransfer;
  return {
    client,
    name,
    manifestDigest: digest,
    config,
    layers,
    progress,
    ...(transfer ? { transfer } : {}),
  };
}

/**
 * Pulls one file out of an image: picks the platform, then reads layers newest first only until the path
 * is decided, keeping the contents of the members that may be the file. Every layer read is read whole,
 * so its digest is checked even when the file came early.
 */
export async function pullFileFromImage(request: ImageFileRequest): Promise<ImageFile> {
  const image = await openImage(request);
  const candidates = [...new Set(request.candidates(image.config).map(normalizeArchivePath))];
  const walk = new LayerWalk(
    image.client,
    image.layers,
    request.workDir,
    image.name,
    image.progress,
    image.transfer,
  );
  try {
    const found = firstFile(await walk.findEach(candidates, "first"), candidates, image.name);
    const file = await walk.contentsOf(found);
    await walk.discardExcept(file);
    return imageFile(image, found, file);
  } catch (error) {
    await walk.discardExcept();
    throw error;
  }
}

/**
 * Pulls several files out of an open image in one walk down its layers: each layer is read at most once
 * (and again only for members it did not keep, such as a file reached through a symlinked folder), and
 * the walk stops once every path is decided. For each path, in order, the file or the error that says
 * why it cannot be had; each file is a distinct one in `workDir`, for the caller to move or remove.
 */
export async function pullFilesFromImage(
  image: OpenImage,
  paths: readonly string[],
  workDir: string,
): Promise<Array<ImageFile | RegistryError>> {
  const walk = new LayerWalk(image.client, image.layers, workDir, image.name, image.progress, image.transfer);
  const handedOut = new Set<string>();
  try {
    const unique = [...new Set(paths.map(normalizeArchivePath))];
    const founds = await walk.findEach(unique);
    const byPath = new Map(unique.map((wanted, index) => [wanted, founds[index]]));
    const located = [...byPath.values()].filter(
      (found): found is FoundFile => !(found instanceof RegistryError),
    );
    const contents = await walk.contentsOfEach(located);
    const fileOf = new Map(located.map((found, index) => [found, contents[index]]));
    const results: Array<ImageFile | RegistryError> = [];
    for (const wanted of paths) {
      const found = byPath.get(normalizeArchivePath(wanted));
      if (found === undefined || found instanceof RegistryError) {
        results.push(found ?? new RegistryError("not-found", `${image.name}: ${wanted}`));
        continue;
      }
      const file = fileOf.get(found);
      if (file === undefined || file instanceof RegistryError) {
        results.push(file ?? new RegistryError("protocol", `${image.name}: ${found.archivePath} vanished`));
        continue;
      }
      // Two paths may lead to one member: each caller gets a file of its own to move.
      const own = handedOut.has(file) ? `${file}-${handedOut.size}` : file;
      if (own !== file) await copyFile(file, own);
      handedOut.add(own);
      results.push(imageFile(image, found, own));
    }
    await walk.discardExcept(...handedOut);
    return results;
  } catch (error) {
    await walk.discardExcept();
    await Promise.all([...handedOut].map((file) => rm(file, { force: true })));
    throw error;
  }
}

function imageFile(image: OpenImage, found: FoundFile, file: string): ImageFile {
  const layer = image.layers[found.layer];
  return { file, path: found.path, manifestDigest: image.manifestDigest, layerDigest: layer?.digest ?? "" };
}

/** The best candidate the image holds; else the layer's failure, or why none of them is there. */
function firstFile(
  results: ReadonlyArray<FoundFile | RegistryError>,
  candidates: readonly string[],
  name: string,
): FoundFile {
  for (const result of results) {
    if (!(result instanceof RegistryError)) return result;
    if (!(result instanceof NotInImage)) throw result;
  }
  const why = results[0] instanceof NotInImage ? results[0].why : "no layers";
  throw new RegistryError("not-found", `${name} holds no executable at ${candidates.join(", ")}: ${why}`);
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
