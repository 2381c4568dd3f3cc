/** A file wanted from a tree, and the most bytes it may have. */
export interface TreeRequest {
  path: string;
  limit: number;
}

/** What a tree holds at a path. */
export type TreeFile =
  | { state: "file"; text: string; where: string }
  | { state: "missing" }
  | { state: "too-large"; bytes: number; where: string }
  /** Could not be read (a registry that failed): said in a note. */
  | { state: "unreadable"; why: string };

/**
 * Where the files of the crashed container can be read: its image, or a build folder given by the user.
 * Paths are absolute paths of the container's tree; nothing outside the tree is ever read.
 */
export interface SourceTree {
  /** For notes: `the image registry/app@sha256:…`, `the folder /home/me/build`. */
  readonly label: string;
  read(requests: readonly TreeRequest[]): Promise<Map<string, TreeFile>>;
}
