/** What one layer's tar says about one path. */
export type LayerEntry =
  | { type: "file"; size: number }
  | { type: "directory" }
  | { type: "symlink"; target: string }
  | { type: "hardlink"; target: string }
  | { type: "other" };

const WHITEOUT_PREFIX = ".wh.";
const OPAQUE_MARKER = ".wh..wh..opq";

/**
 * The paths of one layer (entries, whiteouts, opaque directories), without contents. Paths are absolute
 * and normalised: `./usr/local/bin/` in the tar is `/usr/local/bin`.
 */
export class LayerIndex {
  readonly entries = new Map<string, LayerEntry>();
  /** Paths deleted from the layers below (`.wh.<name>`). */
  readonly whiteouts = new Set<string>();
  /** Directories whose contents in the layers below are hidden (`.wh..wh..opq`). */
  readonly opaque = new Set<string>();
  /** Directories the layer's paths imply, whether or not the tar lists them. */
  private readonly impliedDirectories = new Set<string>();

  /** Records a tar entry; returns its normalised path, or undefined for a whiteout marker. */
  add(name: string, entry: LayerEntry): string | undefined {
    const path = normalizeArchivePath(name);
    const slash = path.lastIndexOf("/");
    const parent = slash <= 0 ? "/" : path.slice(0, slash);
    const base = path.slice(slash + 1);
    this.imply(parent);
    if (base === OPAQUE_MARKER) {
      this.opaque.add(parent);
      return undefined;
    }
    if (base.startsWith(WHITEOUT_PREFIX)) {
      this.whiteouts.add(joinPath(parent, base.slice(WHITEOUT_PREFIX.length)));
      return undefined;
    }
    this.entries.set(
      path,
      entry.type === "hardlink" ? { type: "hardlink", target: normalizeArchivePath(entry.target) } : entry,
    );
    return path;
  }

  isDirectory(path: string): boolean {
    return this.entries.get(path)?.type === "directory" || this.impliedDirectories.has(path);
  }

  private imply(directory: string): void {
    for (
      let dir = directory;
      dir !== "/" && !this.impliedDirectories.has(dir);
      dir = dir.slice(0, dir.lastIndexOf("/")) || "/"
    )
      this.impliedDirectories.add(dir);
  }
}

/** A tar member name as an absolute path with no `.`, `..`, empty or trailing components. */
export function normalizeArchivePath(name: string): string {
  const parts: string[] = [];
  for (const part of name.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}

export function joinPath(directory: string, name: string): string {
  return directory === "/" ? `/${name}` : `${directory}/${name}`;
}

/** The strict ancestors of a path, nearest first: `/a/b/c` gives `/a/b`, `/a`, `/`. */
export function ancestors(path: string): string[] {
  const result: string[] = [];
  for (let at = path.lastIndexOf("/"); at > 0; at = path.lastIndexOf("/", at - 1))
    result.push(path.slice(0, at));
  if (path !== "/") result.push("/");
  return result;
}
