/**
 * Pushes images to the rig's registries over the distribution HTTP API, as docker push does, with no
 * docker: HEAD the blob, POST an upload, PUT the bytes with their digest, PUT the manifest.
 */
import { createHash } from "node:crypto";
import { parseChallenge } from "../../src/image/challenge.js";
import {
  DOCKER_MANIFEST_LIST as DOCKER_LIST,
  DOCKER_MANIFEST,
  OCI_INDEX,
  OCI_MANIFEST,
} from "../../src/image/media-types.js";
import type { Layer } from "./oci-layer.js";

export { DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST };
export const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
export const DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";

export interface Pushed {
  digest: string;
  size: number;
  mediaType: string;
}

export interface ImageSpec {
  layers: readonly Layer[];
  architecture?: string;
  variant?: string;
  env?: string[];
  /** `docker` writes a Docker v2 manifest and config, else OCI. */
  format?: "oci" | "docker";
}

export interface PushedImage {
  manifest: Pushed;
  config: Pushed;
  layers: Pushed[];
  platform: { os: string; architecture: string; variant?: string };
}

export class OciPusher {
  private authorization: string | undefined;

  constructor(
    readonly registry: string,
    private readonly credentials?: { user: string; password: string },
  ) {}

  async pushBlob(repository: string, bytes: Buffer, mediaType: string): Promise<Pushed> {
    const digest = sha256(bytes);
    const pushed = { digest, size: bytes.length, mediaType };
    const head = await this.request(repository, "HEAD", `/v2/${repository}/blobs/${digest}`);
    if (head.status === 200) return pushed;
    const start = await this.request(repository, "POST", `/v2/${repository}/blobs/uploads/`);
    const location = start.headers.get("location");
    if (start.status !== 202 || !location)
      throw new Error(`POST upload: ${start.status} ${await start.text()}`);
    const url = new URL(location, `http://${this.registry}`);
    url.searchParams.set("digest", digest);
    const put = await this.request(repository, "PUT", `${url.pathname}${url.search}`, bytes, {
      "content-type": "application/octet-stream",
    });
    if (put.status !== 201) throw new Error(`PUT blob ${digest}: ${put.status} ${await put.text()}`);
    return pushed;
  }

  async pushManifest(
    repository: string,
    reference: string,
    body: object,
    mediaType: string,
  ): Promise<Pushed> {
    const bytes = Buffer.from(JSON.stringify(body));
    const put = await this.request(repository, "PUT", `/v2/${repository}/manifests/${reference}`, bytes, {
      "content-type": mediaType,
    });
    if (put.status !== 201)
      throw new Error(`PUT manifest ${repository}:${reference}: ${put.status} ${await put.text()}`);
    return { digest: sha256(bytes), size: bytes.length, mediaType };
  }

  /** Pushes layers, config and manifest; tags the manifest when `tag` is given. */
  async pushImage(repository: string, tag: string | undefined, spec: ImageSpec): Promise<PushedImage> {
    const docker = spec.format === "docker";
    const architecture = spec.architecture ?? "amd64";
    const config = {
      architecture,
      ...(spec.variant ? { variant: spec.variant } : {}),
      os: "linux",
      config: { Env: spec.env ?? ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] },
      rootfs: { type: "layers", diff_ids: spec.layers.map((layer) => layer.diffId) },
    };
    const configBlob = await this.pushBlob(
      repository,
      Buffer.from(JSON.stringify(config)),
      docker ? DOCKER_CONFIG : OCI_CONFIG,
    );
    const layers: Pushed[] = [];
    for (const layer of spec.layers)
      layers.push(await this.pushBlob(repository, layer.blob, layer.mediaType));
    const mediaType = docker ? DOCKER_MANIFEST : OCI_MANIFEST;
    const body = { schemaVersion: 2, mediaType, config: configBlob, layers };
    const digestOfBody = sha256(Buffer.from(JSON.stringify(body)));
    const manifest = await this.pushManifest(repository, tag ?? digestOfBody, body, mediaType);
    const platform = { os: "linux", architecture, ...(spec.variant ? { variant: spec.variant } : {}) };
    return { manifest, config: configBlob, layers, platform };
  }

  /** An OCI index or a Docker manifest list of images already pushed to this repository. */
  async pushIndex(
    repository: string,
    tag: string,
    images: readonly PushedImage[],
    format: "oci" | "docker" = "oci",
  ): Promise<Pushed> {
    const mediaType = format === "docker" ? DOCKER_LIST : OCI_INDEX;
    const manifests = images.map((image) => ({ ...image.manifest, platform: image.platform }));
    return this.pushManifest(repository, tag, { schemaVersion: 2, mediaType, manifests }, mediaType);
  }

  async deleteManifest(repository: string, digest: string): Promise<void> {
    const response = await this.request(repository, "DELETE", `/v2/${repository}/manifests/${digest}`);
    if (response.status !== 202)
      throw new Error(`DELETE manifest: ${response.status} ${await response.text()}`);
  }

  private async request(
    repository: string,
    method: string,
    path: string,
    body?: Buffer,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const send = () =>
      fetch(`http://${this.registry}${path}`, {
        method,
        headers: { ...headers, ...(this.authorization ? { authorization: this.authorization } : {}) },
        ...(body ? { body } : {}),
      });
    let response = await send();
    if (response.status === 401 && this.credentials) {
      await response.body?.cancel();
      await this.authenticate(repository, response.headers.get("www-authenticate") ?? "");
      response = await send();
    }
    return response;
  }

  private async authenticate(repository: string, header: string): Promise<void> {
    const challenge = parseChallenge(header);
    if (!this.credentials || !challenge) throw new Error(`cannot answer the challenge ${header}`);
    const basic = `Basic ${Buffer.from(`${this.credentials.user}:${this.credentials.password}`).toString("base64")}`;
    if (challenge.scheme === "basic") {
      this.authorization = basic;
      return;
    }
    const url = new URL(challenge.params.realm ?? "");
    url.searchParams.set("service", challenge.params.service ?? "");
    url.searchParams.set("scope", `repository:${repository}:pull,push,delete`);
    const answer = await fetch(url, { headers: { authorization: basic } });
    const { token } = (await answer.json()) as { token: string };
    this.authorization = `Bearer ${token}`;
  }
}

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}
