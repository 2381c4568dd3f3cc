import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";
import { pipeline, type Readable, Transform } from "node:stream";
import { ImageTree, type Resolution } from "./image-tree.js";
import { joinPath, LayerIndex, normalizeArchivePath } from "./layer-index.js";
import { readLayer } from "./layer-reader.js";
import type { Descriptor } from "./manifest.js";
import { layerCompression } from "./media-types.js";
import type { RegistryClient } from "./registry-client.js";
import { RegistryError } from "./registry-error.js";
import type { TransferWatcher } from "./transfer-watcher.js";

/** A path the image holds as a file: where in which layer. */
export type FoundFile = Extract<Resolution, { state: "file" }>;

/** A path the image does not hold, and why (a missing folder, a whiteout, a link that leads nowhere). */
export class NotInImage extends RegistryError {
  constructor(
    image: string,
    readonly path: string,
    readonly why: string,
  ) {
    super("not-found", `${image} holds no file at ${path}: ${why}`);
  }
}

/** The state of one walk down the layers: what each read layer holds, and the contents kept so far. */
export class LayerWalk {
  private readonly indexes: LayerIndex[] = [];
  private readonly kept = new Map<string, string>();
  private readonly prefix = `pull-${randomBytes(6).toString("hex")}`;
  private count = 0;

  constructor(
    private readonly client: RegistryClient,
    private readonly layers: readonly Descriptor[],
    private readonly workDir: string,
    private readonly name: string,
    private readonly progress: (message: string) => void,
    private readonly transfer?: (what: string) => TransferWatcher,
  ) {}

  /**
   * Reads layers once for several paths, until each is known to be a file or missing (`until: "each"`),
   * or until the first of them, in their order, that is a file is known (`"first"`: candidates for one
   * file, best first). For each path, in order, its file's resolution, or the error that says why it
   * cannot be had (not known yet, with `"first"`, for paths after the one found). A layer that cannot be
   * read fails only the paths it was still needed for.
   */
  async findEach(
    paths: readonly string[],
    until: "each" | "first" = "each",
  ): Promise<Array<FoundFile | RegistryError>> {
    const results = new Map<string, FoundFile | RegistryError>();
    const pending = new Set(paths);
    const wanted = new Set(paths);
    for (let layer = 0; layer < this.layers.length && pending.size > 0; layer++) {
      try {
        await this.read(layer, (member) => wanted.has(member), wanted);
      } catch (error) {
        if (!(error instanceof RegistryError)) throw error;
        for (const wantedPath of pending) results.set(wantedPath, error);
        pending.clear();
        break;
      }
      const tree = new ImageTree(this.indexes, layer === this.layers.length - 1);
      for (const wantedPath of pending) {
        const resolution = tree.resolve(wantedPath);
        if (resolution.state === "unknown") continue;
        results.set(
          wantedPath,
          resolution.state === "file" ? resolution : new NotInImage(this.name, wantedPath, resolution.why),
        );
        pending.delete(wantedPath);
      }
      if (until === "first" && firstFileKnown(paths, results)) break;
    }
    return paths.map(
      (wantedPath) => results.get(wantedPath) ?? new NotInImage(this.name, wantedPath, "no layers"),
    );
  }

  /** The file holding a found member's contents: kept while walking, or read again from its layer. */
  async contentsOf(found: FoundFile): Promise<string> {
    const [contents] = await this.contentsOfEach([found]);
    if (contents instanceof RegistryError) throw contents;
    if (contents === undefined)
      throw new RegistryError("protocol", `${this.name}: ${found.archivePath} vanished from its layer`);
    return contents;
  }

  /**
   * The files holding found members' contents, in their order: kept while walking, or read again from
   * their layers, each such layer once for all its members. A layer that fails fails only its own members.
   */
  async contentsOfEach(founds: readonly FoundFile[]): Promise<Array<string | RegistryError>> {
    const again = new Map<number, Set<string>>();
    for (const found of founds) {
      if (this.kept.has(key(found.layer, found.archivePath))) continue;
      const members = again.get(found.layer) ?? new Set<string>();
      members.add(found.archivePath);
      again.set(found.layer, members);
    }
    const failed = new Map<number, RegistryError>();
    for (const [layer, members] of again) {
      this.progress(`reading layer ${layer + 1} again for ${[...members].join(", ")}`);
      try {
        await this.read(layer, (member) => members.has(member));
      } catch (error) {
        if (!(error instanceof RegistryError)) throw error;
        failed.set(layer, error);
      }
    }
    return founds.map(
      (found) =>
        this.kept.get(key(found.layer, found.archivePath)) ??
        failed.get(found.layer) ??
        new RegistryError("protocol", `${this.name}: ${found.archivePath} vanished from its layer`),
    );
  }

  /** Removes every kept file but the ones returned. */
  async discardExcept(...keep: string[]): Promise<void> {
    const returned = new Set(keep);
    await Promise.all(
      [...this.kept.values()].filter((file) => !returned.has(file)).map((file) => rm(file, { force: true })),
    );
  }

  /**
   * Reads layer `layer` whole. `wanted`, when given, grows by the targets of symlinks found at wanted
   * paths, so that a link and its target in one layer need one read.
   */
  private async read(layer: number, keep: (member: string) => boolean, wanted?: Set<string>): Promise<void> {
    const descriptor = this.layers[layer];
    if (!descriptor) throw new RegistryError("protocol", `${this.name} has no layer ${layer + 1}`);
    const what = `layer ${layer + 1} of ${this.layers.length} (newest first) of ${this.name}`;
    const compression = layerCompression(descriptor.mediaType);
    if (compression === "zstd" || compression === undefined) {
      throw new RegistryError(
        "unsupported",
        `${what} is ${descriptor.mediaType || "of no media type"}, which coredump cannot read${compression === "zstd" ? " (zstd)" : ""}: pass --binary PATH with the executable taken out of the image by other means`,
      );
    }
    this.progress(`reading ${what}: ${descriptor.digest} (${(descriptor.size / 1e6).toFixed(1)} MB)`);
    const index = new LayerIndex();
    const watcher = this.transfer?.(`layer ${layer + 1} of ${this.layers.length}`);
    watcher?.start(descriptor.size);
    const captured = await readLayer({
      blob: watched(await this.client.blob(descriptor, what), watcher),
      compression,
      index,
      what,
      captureTo: (member, entry) => {
        if (!keep(member) || entry.type !== "file") return undefined;
        return path.join(this.workDir, `${this.prefix}-${++this.count}`);
      },
    }).finally(() => watcher?.stop());
    if (wanted) addLinkTargets(index, wanted);
    for (const [member, file] of captured) {
      const previous = this.kept.get(key(layer, member));
      if (previous && previous !== file) await rm(previous, { force: true });
      this.kept.set(key(layer, member), file);
    }
    this.indexes[layer] = index;
  }
}

/** The blob, its bytes counted by `watcher` on their way; its error (a digest that did not match) passes on. */
function watched(blob: Readable, watcher: TransferWatcher | undefined): Readable {
  if (!watcher) return blob;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      watcher.add(chunk.length);
      done(null, chunk);
    },
  });
  return pipeline(blob, counter, () => {});
}

/** Adds the targets of the layer's symlinks that sit at wanted paths (for later layers). */
function addLinkTargets(index: LayerIndex, wanted: Set<string>): void {
  const pending = [...wanted];
  for (let member = pending.pop(); member !== undefined; member = pending.pop()) {
    const entry = index.entries.get(member);
    if (entry?.type !== "symlink") continue;
    const base = member.slice(0, member.lastIndexOf("/")) || "/";
    const target = normalizeArchivePath(
      entry.target.startsWith("/") ? entry.target : joinPath(base, entry.target),
    );
    if (wanted.has(target)) continue;
    wanted.add(target);
    pending.push(target);
  }
}

/** Whether the paths before the first one found are all decided, and one was found. */
function firstFileKnown(paths: readonly string[], results: Map<string, FoundFile | RegistryError>): boolean {
  for (const wantedPath of paths) {
    const result = results.get(wantedPath);
    if (result === undefined) return false;
    if (!(result instanceof RegistryError)) return true;
  }
  return false;
}

function key(layer: number, member: string): string {
  return `${layer}\u0000${member}`;
}
