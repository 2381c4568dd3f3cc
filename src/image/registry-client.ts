import type { Readable } from "node:stream";
import type { Keychain } from "./keychain.js";
import { type Descriptor, type Manifest, parseManifest } from "./manifest.js";
import { MANIFEST_ACCEPT } from "./media-types.js";
import { formatReference, type ImageReference } from "./reference.js";
import { RegistryError } from "./registry-error.js";
import { type Reopen, resumableBody } from "./resumable-body.js";
import type { RetryLimits } from "./retry-policy.js";
import { retryTransient } from "./retrying-fetch.js";
import { RegistryTransport } from "./transport.js";
import { digestOf, digestParts, VerifyingStream } from "./verified-stream.js";

const MAX_MANIFEST_BYTES = 4 << 20;

/** Manifests and blobs of one repository, every byte checked against its digest. */
export class RegistryClient {
  private readonly transport: RegistryTransport;
  readonly name: string;

  constructor(
    private readonly reference: ImageReference,
    options: { keychain: Keychain; insecureRegistries?: readonly string[]; limits?: RetryLimits },
  ) {
    this.transport = new RegistryTransport({
      registry: reference.registry,
      repository: reference.repository,
      ...options,
    });
    this.name = `${reference.registry}/${reference.repository}`;
  }

  /** A manifest by tag or digest; by digest, its bytes must hash to that digest. */
  async manifest(selector: string): Promise<{ manifest: Manifest; digest: string }> {
    const what = selector.includes(":") ? `${this.name}@${selector}` : `${this.name}:${selector}`;
    // A connection that breaks within the body is tried again whole: a manifest is small.
    const { response, body } = await retryTransient(async () => {
      const response = await this.transport.get(`/v2/${this.reference.repository}/manifests/${selector}`, {
        accept: MANIFEST_ACCEPT.join(", "),
      });
      if (response.status === 404) throw await notFound(response, what, formatReference(this.reference));
      if (!response.ok) throw await unexpected(response, `the manifest of ${what}`);
      return { response, body: await readLimited(response, MAX_MANIFEST_BYTES, `the manifest of ${what}`) };
    }, this.transport.limits);
    const pinned = digestParts(selector);
    const digest = digestOf(body, pinned?.algorithm);
    if (pinned && digest !== selector) {
      throw new RegistryError(
        "digest-mismatch",
        `the manifest of ${what} hashes to ${digest}: the registry answered with other bytes than asked for`,
      );
    }
    return { manifest: parseManifest(body, response.headers.get("content-type") ?? undefined, what), digest };
  }

  /** A blob as a stream that fails at its end unless every byte matched the descriptor's digest. */
  async blob(descriptor: Descriptor, what: string): Promise<Readable> {
    const path = `/v2/${this.reference.repository}/blobs/${descriptor.digest}`;
    const response = await this.transport.get(path);
    if (response.status === 404) throw await notFound(response, `${what} (${descriptor.digest})`, this.name);
    if (!response.ok || !response.body) throw await unexpected(response, what);
    const reopen: Reopen = (offset) => this.transport.get(path, { range: `bytes=${offset}-` });
    const body = resumableBody(response, reopen, this.transport.limits, `${what} (${descriptor.digest})`);
    const verifying = new VerifyingStream(
      descriptor.digest,
      descriptor.size,
      `${what} (${descriptor.digest})`,
    );
    body.on("error", (error) => verifying.destroy(error));
    return body.pipe(verifying);
  }

  /** A small blob (an image config) read whole and verified. */
  async smallBlob(descriptor: Descriptor, what: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.blob(descriptor, what)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
}

async function readLimited(response: Response, limit: number, what: string): Promise<Buffer> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > limit)
    throw new RegistryError("protocol", `${what} is ${declared} bytes, more than a manifest can be`);
  const body = Buffer.from(await response.arrayBuffer());
  if (body.length > limit)
    throw new RegistryError("protocol", `${what} is ${body.length} bytes, more than a manifest can be`);
  return body;
}

async function notFound(response: Response, what: string, reference: string): Promise<RegistryError> {
  const codes = await errorCodes(response);
  return new RegistryError(
    "not-found",
    `${what} is not on the registry${codes ? ` (${codes})` : ""}: the image ${reference} may have been deleted`,
  );
}

async function unexpected(response: Response, what: string): Promise<RegistryError> {
  const codes = await errorCodes(response);
  return new RegistryError(
    "protocol",
    `reading ${what} got HTTP ${response.status}${codes ? ` (${codes})` : ""}`,
  );
}

/** The distribution API's error codes (`MANIFEST_UNKNOWN`, `NAME_UNKNOWN` …) from an error body. */
async function errorCodes(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { errors?: Array<{ code?: unknown }> };
    return (body.errors ?? []).map((error) => String(error.code)).join(", ");
  } catch {
    return "";
  }
}
