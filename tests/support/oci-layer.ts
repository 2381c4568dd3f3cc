/**
 * Image layers made in memory for the tests: a tar (tar-stream) of the members given, in the order given,
 * gzip'd as registries store them. Whiteouts and opaque markers are the OCI spelling (`.wh.<name>`,
 * `.wh..wh..opq`).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";

export type LayerMember =
  | { type: "file"; path: string; content: Buffer | string; mode?: number }
  | { type: "directory"; path: string }
  | { type: "symlink"; path: string; target: string }
  | { type: "hardlink"; path: string; target: string }
  | { type: "whiteout"; path: string }
  | { type: "opaque"; directory: string };

export interface Layer {
  /** The blob: gzip'd tar (or the bare tar for `compression: "none"`). */
  blob: Buffer;
  mediaType: string;
  /** sha256 of the uncompressed tar: what an image config lists in `rootfs.diff_ids`. */
  diffId: string;
}

export const OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
export const DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";

export async function buildLayer(
  members: readonly LayerMember[],
  options: { mediaType?: string; compression?: "gzip" | "none" } = {},
): Promise<Layer> {
  const tar = await tarOf(members);
  const compression = options.compression ?? "gzip";
  return {
    blob: compression === "gzip" ? gzipSync(tar, { level: 1 }) : tar,
    mediaType:
      options.mediaType ??
      (compression === "gzip" ? OCI_LAYER_GZIP : "application/vnd.oci.image.layer.v1.tar"),
    diffId: `sha256:${createHash("sha256").update(tar).digest("hex")}`,
  };
}

/** A file member whose content is read from the disk (such as a node binary). */
export async function fileFromDisk(path: string, source: string, mode = 0o755): Promise<LayerMember> {
  return { type: "file", path, content: await readFile(source), mode };
}

/** The directories leading to a path, as members, as image builders write them. */
export function parents(path: string): LayerMember[] {
  const parts = path.split("/").filter(Boolean).slice(0, -1);
  return parts.map((_, index) => ({ type: "directory", path: `${parts.slice(0, index + 1).join("/")}/` }));
}

async function tarOf(members: readonly LayerMember[]): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on("data", (chunk) => chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    archive.on("end", resolve);
    archive.on("error", reject);
  });
  const mtime = new Date("2024-01-01T00:00:00Z");
  for (const member of members) {
    switch (member.type) {
      case "file":
        archive.entry({ name: member.path, mode: member.mode ?? 0o644, mtime }, member.content);
        break;
      case "directory":
        archive.entry({ name: member.path, type: "directory", mode: 0o755, mtime });
        break;
      case "symlink":
        archive.entry({ name: member.path, type: "symlink", linkname: member.target, mode: 0o777, mtime });
        break;
      case "hardlink":
        archive.entry({ name: member.path, type: "link", linkname: member.target, mtime });
        break;
      case "whiteout": {
        const slash = member.path.lastIndexOf("/");
        archive.entry(
          { name: `${member.path.slice(0, slash + 1)}.wh.${member.path.slice(slash + 1)}`, mtime },
          "",
        );
        break;
      }
      case "opaque":
        archive.entry({ name: `${member.directory.replace(/\/?$/, "/")}.wh..wh..opq`, mtime }, "");
        break;
    }
  }
  archive.finalize();
  await ended;
  return Buffer.concat(chunks);
}
