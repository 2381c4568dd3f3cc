import { asObject } from "../util/as-object.js";
import {
  DOCKER_MANIFEST_LIST,
  DOCKER_SCHEMA1,
  DOCKER_SCHEMA1_SIGNED,
  OCI_INDEX,
  OCI_MANIFEST,
} from "./media-types.js";
import { RegistryError } from "./registry-error.js";

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
}

export type Manifest =
  | { kind: "index"; mediaType: string; manifests: Descriptor[] }
  | { kind: "image"; mediaType: string; config: Descriptor; layers: Descriptor[] };

type Json = Record<string, unknown>;

/** Parses a manifest body; `contentType` is the registry's header, used when the body names no type. */
export function parseManifest(body: Buffer, contentType: string | undefined, what: string): Manifest {
  let json: Json;
  try {
    json = asObject(JSON.parse(body.toString("utf8")));
  } catch {
    throw new RegistryError("protocol", `the manifest of ${what} is not JSON`);
  }
  const header = contentType?.split(";")[0]?.trim();
  const mediaType = text(json.mediaType) ?? header ?? "";
  if (mediaType === DOCKER_SCHEMA1 || mediaType === DOCKER_SCHEMA1_SIGNED || json.schemaVersion === 1) {
    throw new RegistryError(
      "unsupported",
      `${what} has a schema 1 manifest, which Docker retired in 2019: push the image again with a current tool`,
    );
  }
  if (
    Array.isArray(json.manifests) &&
    (mediaType === OCI_INDEX || mediaType === DOCKER_MANIFEST_LIST || !json.layers)
  ) {
    return { kind: "index", mediaType: mediaType || OCI_INDEX, manifests: json.manifests.map(descriptor) };
  }
  if (Array.isArray(json.layers) && json.config) {
    return {
      kind: "image",
      mediaType: mediaType || OCI_MANIFEST,
      config: descriptor(json.config),
      layers: json.layers.map(descriptor),
    };
  }
  throw new RegistryError("protocol", `the manifest of ${what} is neither an image manifest nor an index`);
}

/**
 * The manifest in an index for a Linux machine of this architecture. Attestations (`unknown/unknown`)
 * never match; a variant only has to match when both sides name one (arm64 is `v8` or nothing).
 */
export function choosePlatform(manifests: readonly Descriptor[], wanted: Platform): Descriptor | undefined {
  return manifests.find((entry) => {
    const platform = entry.platform;
    if (!platform || platform.os !== wanted.os || platform.architecture !== wanted.architecture) return false;
    return !platform.variant || !wanted.variant || platform.variant === wanted.variant;
  });
}

export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join("/");
}

function descriptor(value: unknown): Descriptor {
  const json = asObject(value);
  const digest = text(json.digest);
  if (!digest) throw new RegistryError("protocol", "a manifest names a blob without a digest");
  const result: Descriptor = {
    mediaType: text(json.mediaType) ?? "",
    digest,
    size: typeof json.size === "number" ? json.size : -1,
  };
  const platform = asObject(json.platform);
  const os = text(platform.os);
  const architecture = text(platform.architecture);
  if (os && architecture) {
    result.platform = { os, architecture };
    const variant = text(platform.variant);
    if (variant) result.platform.variant = variant;
  }
  return result;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
