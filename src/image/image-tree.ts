import { ancestors, type LayerEntry, type LayerIndex, normalizeArchivePath } from "./layer-index.js";

/** What the flattened image holds at a path, as far as the layers read so far tell. */
export type Lookup =
  | { state: "entry"; layer: number; entry: LayerEntry }
  | { state: "directory"; layer: number }
  | { state: "absent" }
  /** A lower layer, not read yet, decides. */
  | { state: "unknown" };

export type Resolution =
  /** A regular file: its contents are the tar member `archivePath` of layer `layer` (newest is 0). */
  | { state: "file"; path: string; layer: number; archivePath: string; size: number }
  | { state: "missing"; why: string }
  | { state: "unknown" };

const MAX_SYMLINKS = 40;

/**
 * The image's filesystem as its layers stack up (model: go-containerregistry's mutate.Extract), from the
 * newest layer down: the first layer that mentions a path decides it, whiteouts and opaque directories
 * hide what lies below, and symlinks and hard links resolve inside the image, never on the host.
 * `layers` are the layers read so far, newest first; `complete` says whether they are all of them.
 */
export class ImageTree {
  constructor(
    private readonly layers: readonly LayerIndex[],
    private readonly complete: boolean,
  ) {}

  lookup(path: string): Lookup {
    const above = ancestors(path);
    for (const [index, layer] of this.layers.entries()) {
      const entry = layer.entries.get(path);
      if (entry) return { state: "entry", layer: index, entry };
      if (layer.isDirectory(path)) return { state: "directory", layer: index };
      if (layer.whiteouts.has(path)) return { state: "absent" };
      for (const ancestor of above) {
        if (layer.whiteouts.has(ancestor) || layer.opaque.has(ancestor)) return { state: "absent" };
        const covering = layer.entries.get(ancestor);
        if (covering && covering.type !== "directory") return { state: "absent" };
      }
    }
    return this.complete ? { state: "absent" } : { state: "unknown" };
  }

  /** Follows `path` through symlinks (absolute ones from the image's root) to a regular file. */
  resolve(path: string): Resolution {
    let pending = components(path);
    const resolved: string[] = [];
    let links = 0;
    while (pending.length > 0) {
      const [part, ...rest] = pending;
      pending = rest;
      if (part === undefined || part === ".") continue;
      if (part === "..") {
        resolved.pop();
        continue;
      }
      const current = `/${[...resolved, part].join("/")}`;
      const found = this.lookup(current);
      if (found.state === "unknown") return found;
      if (found.state === "absent") return { state: "missing", why: `${current} does not exist` };
      if (found.state === "directory" || found.entry.type === "directory") {
        resolved.push(part);
        continue;
      }
      const { entry, layer } = found;
      if (entry.type === "symlink") {
        if (++links > MAX_SYMLINKS)
          return { state: "missing", why: `${path}: too many levels of symbolic links` };
        if (entry.target.startsWith("/")) resolved.length = 0;
        pending = [...components(entry.target), ...pending];
        continue;
      }
      if (pending.some((next) => next !== "" && next !== "."))
        return { state: "missing", why: `${current} is not a directory` };
      if (entry.type === "file")
        return { state: "file", path: current, layer, archivePath: current, size: entry.size };
      if (entry.type === "hardlink") return this.hardLinkTarget(current, entry.target, layer);
      return { state: "missing", why: `${current} is not a regular file` };
    }
    return { state: "missing", why: `${path} is a directory` };
  }

  /** A hard link names another member of the same layer's tar, by its archive path. */
  private hardLinkTarget(path: string, target: string, layer: number): Resolution {
    const archivePath = normalizeArchivePath(target);
    const entry = this.layers[layer]?.entries.get(archivePath);
    if (entry?.type === "file") return { state: "file", path, layer, archivePath, size: entry.size };
    return {
      state: "missing",
      why: `${path} is a hard link to ${archivePath}, which its layer does not hold as a file`,
    };
  }
}

function components(path: string): string[] {
  return path.split("/").filter((part) => part !== "");
}
