import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./repo-root.js";

/** The rig's registries, as `tests/rig/registry.sh start` describes them in its env file. */
export interface RigRegistry {
  /** host:port of each registry. */
  open: string;
  basic: string;
  token: string;
  /** The token server's endpoint (`realm`). */
  tokenRealm: string;
  /** The registry whose blobs are in the S3 rig (307 to presigned URLs), when the S3 rig was up. */
  s3?: string;
  /** The open registry's storage folder, for tests that damage a blob on disk. */
  openData: string;
  user: string;
  password: string;
  identityToken: string;
}

export function rigRegistry(): RigRegistry {
  const file = path.join(repoRoot(), ".cache", "rig", "registry.env");
  const values: Record<string, string | undefined> = {};
  if (existsSync(file)) {
    for (const match of readFileSync(file, "utf8").matchAll(/^export (\w+)=(.*)$/gm))
      values[match[1] ?? ""] = match[2];
  }
  for (const [name, value] of Object.entries(process.env))
    if (name.startsWith("REGISTRY_")) values[name] = value;
  const { REGISTRY_OPEN, REGISTRY_BASIC, REGISTRY_TOKEN, REGISTRY_S3, REGISTRY_OPEN_DATA } = values;
  if (!REGISTRY_OPEN || !REGISTRY_BASIC || !REGISTRY_TOKEN || !REGISTRY_OPEN_DATA) {
    throw new Error("the registry rig is not running: start it with `bash tests/rig/registry.sh start`");
  }
  return {
    open: REGISTRY_OPEN,
    basic: REGISTRY_BASIC,
    token: REGISTRY_TOKEN,
    tokenRealm: values.REGISTRY_TOKEN_REALM ?? "http://127.0.0.1:5003/token",
    ...(REGISTRY_S3 ? { s3: REGISTRY_S3 } : {}),
    openData: REGISTRY_OPEN_DATA,
    user: values.REGISTRY_USER ?? "",
    password: values.REGISTRY_PASSWORD ?? "",
    identityToken: values.REGISTRY_IDENTITY_TOKEN ?? "",
  };
}

/** The path where the distribution registry's filesystem driver keeps a blob. */
export function blobPathOnDisk(dataDir: string, digest: string): string {
  const hex = digest.replace(/^sha256:/, "");
  return path.join(dataDir, "docker", "registry", "v2", "blobs", "sha256", hex.slice(0, 2), hex, "data");
}
