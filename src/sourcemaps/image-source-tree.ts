import { createHash } from "node:crypto";
import { mkdtemp, readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { type ImageCandidate, imageCandidates } from "../binaries/image-candidates.js";
import type { ImageInfo } from "../catalog/metadata.js";
import { openImage, pullFilesFromImage } from "../image/image-file.js";
import { defaultKeychain } from "../image/keychain.js";
import { NotInImage } from "../image/layer-walk.js";
import { formatReference } from "../image/reference.js";
import { RegistryError } from "../image/registry-error.js";
import type { Settings } from "../settings.js";
import { makeFolders } from "../util/make-folders.js";
import { writeFileAtomic } from "../workspace/atomic-write.js";
import type { SourceTree, TreeFile, TreeRequest } from "./source-tree.js";

export interface ImageTreeRequest {
  images: readonly ImageInfo[];
  /** The core's architecture as OCI names it (`amd64`). */
  architecture: string;
  settings: Settings;
  insecureRegistries?: readonly string[];
  onProgress?: (message: string) => void;
}

/** What the cache remembers of one path of an image: the layer holding its contents, or that it has none. */
type Remembered = { layer: string } | { missing: true } | { tooLarge: number };

/**
 * The crashed container's image, read through the same registry pull as its executable (platform, image
 * id, whiteouts, links resolved inside the image). What an image pinned by digest holds is cached:
 * `<cacheDir>/source-maps/layers/<layer digest>/<sha256 of the path>` keeps a file's contents once per layer,
 * and `<cacheDir>/source-maps/images/<digest>.json` which layer holds each path looked up (or none), so a
 * second report of the same image sends no request to its registry.
 */
export class ImageSourceTree implements SourceTree {
  readonly label: string;
  private readonly candidates: ImageCandidate[];
  private readonly root: string;

  constructor(private readonly request: ImageTreeRequest) {
    this.candidates = imageCandidates(request.images);
    this.label = `the image ${this.candidates[0] ? formatReference(this.candidates[0].reference) : "(none)"}`;
    this.root = path.join(request.settings.cacheDir, "source-maps");
  }

  async read(requests: readonly TreeRequest[]): Promise<Map<string, TreeFile>> {
    const found = new Map<string, TreeFile>();
    let pending = [...requests];
    for (const candidate of this.candidates) {
      if (pending.length === 0) break;
      const key = pinnedDigest(candidate);
      const index = key ? await this.readIndex(key) : {};
      const unknown: TreeRequest[] = [];
      for (const request of pending) {
        const cached = await this.fromCache(index[request.path], request, candidate);
        if (cached) found.set(request.path, cached);
        else unknown.push(request);
      }
      if (unknown.length > 0) {
        const pulled = await this.pull(candidate, unknown);
        for (const [wanted, { file, remembered }] of pulled) {
          found.set(wanted, file);
          if (remembered) index[wanted] = remembered;
        }
        if (key && pulled.size > 0) await this.writeIndex(key, index);
      }
      // A path this image lacks may be in the next container's image.
      pending = pending.filter((request) => {
        const file = found.get(request.path);
        return file === undefined || file.state === "missing";
      });
    }
    return found;
  }

  private async fromCache(
    remembered: Remembered | undefined,
    request: TreeRequest,
    candidate: ImageCandidate,
  ): Promise<TreeFile | undefined> {
    if (remembered === undefined) return undefined;
    const where = `${formatReference(candidate.reference)} ${request.path}`;
    if ("missing" in remembered) return { state: "missing" };
    if ("tooLarge" in remembered)
      return remembered.tooLarge > request.limit
        ? { state: "too-large", bytes: remembered.tooLarge, where }
        : undefined;
    const file = this.blobPath(remembered.layer, request.path);
    const size = await stat(file).then(
      (info) => info.size,
      () => undefined,
    );
    if (size === undefined) return undefined;
    if (size > request.limit) return { state: "too-large", bytes: size, where };
    return { state: "file", text: await readFile(file, "utf8"), where };
  }

  /** One walk down the candidate's layers for all the paths; each outcome with what the cache keeps of it. */
  private async pull(
    candidate: ImageCandidate,
    requests: readonly TreeRequest[],
  ): Promise<Map<string, { file: TreeFile; remembered?: Remembered }>> {
    const { settings } = this.request;
    const name = formatReference(candidate.reference);
    const outcomes = new Map<string, { file: TreeFile; remembered?: Remembered }>();
    await makeFolders(this.root, 0o700);
    const staging = await mkdtemp(path.join(this.root, ".staging-"));
    try {
      const image = await openImage({
        reference: candidate.reference,
        platform: { os: "linux", architecture: this.request.architecture },
        ...(candidate.imageId ? { imageId: candidate.imageId } : {}),
        keychain: defaultKeychain(settings),
        insecureRegistries: [...(this.request.insecureRegistries ?? []), ...settings.insecureRegistries],
        limits: settings.limits.registry,
        ...(this.request.onProgress ? { onProgress: this.request.onProgress } : {}),
      });
      const files = await pullFilesFromImage(
        image,
        requests.map((request) => request.path),
        staging,
      );
      for (const [index, request] of requests.entries()) {
        const file = files[index];
        if (file === undefined || file instanceof NotInImage) {
          outcomes.set(request.path, { file: { state: "missing" }, remembered: { missing: true } });
          continue;
        }
        if (file instanceof RegistryError) {
          outcomes.set(request.path, { file: { state: "unreadable", why: file.message } });
          continue;
        }
        const where = `${name} ${file.path}`;
        const size = (await stat(file.file)).size;
        if (size > request.limit) {
          outcomes.set(request.path, {
            file: { state: "too-large", bytes: size, where },
            remembered: { tooLarge: size },
          });
          continue;
        }
        const text = await readFile(file.file, "utf8");
        const blob = this.blobPath(file.layerDigest, request.path);
        await makeFolders(path.dirname(blob), 0o700);
        await rename(file.file, blob);
        outcomes.set(request.path, {
          file: { state: "file", text, where },
          remembered: { layer: file.layerDigest },
        });
      }
    } catch (error) {
      if (!(error instanceof RegistryError)) throw error;
      for (const request of requests)
        outcomes.set(request.path, { file: { state: "unreadable", why: error.message } });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    return outcomes;
  }

  private blobPath(layer: string, wanted: string): string {
    return path.join(this.root, "layers", safeName(layer), sha256(wanted));
  }

  private async readIndex(key: string): Promise<Record<string, Remembered>> {
    try {
      const parsed: unknown = JSON.parse(await readFile(this.indexPath(key), "utf8"));
      return parsed && typeof parsed === "object" ? (parsed as Record<string, Remembered>) : {};
    } catch {
      return {};
    }
  }

  private async writeIndex(key: string, index: Record<string, Remembered>): Promise<void> {
    await writeFileAtomic(this.indexPath(key), `${JSON.stringify(index)}\n`);
  }

  private indexPath(key: string): string {
    return path.join(this.root, "images", `${safeName(key)}.json`);
  }
}

/** The digest that pins a candidate's contents (its image id, else the manifest's), if any. */
function pinnedDigest(candidate: ImageCandidate): string | undefined {
  return candidate.imageId ?? candidate.reference.digest;
}

function safeName(digest: string): string {
  return digest.replace(/[^A-Za-z0-9_.-]/g, "_");
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
