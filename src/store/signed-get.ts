import { createHash, createHmac } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { SignatureV4 } from "@smithy/signature-v4";

/** Where the SDK sent a bucket's listing, and how it signed it: object reads go to the same place. */
export interface BucketRoute {
  protocol: string;
  hostname: string;
  port?: number;
  /** The bucket's path: `/bucket` path-style, empty for a virtual-hosted bucket. */
  bucketPath: string;
  region: string;
  service: string;
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface Answer {
  status: number;
  body: Buffer;
}

/**
 * The route of a request the SDK has just signed (its last step): the host, port and bucket path it
 * resolved, with the region and service of its credential scope. Undefined for what is not a listing of a
 * bucket signed with SigV4.
 */
export function routeOfListing(request: {
  protocol?: string;
  hostname?: string;
  port?: number;
  path?: string;
  query?: Record<string, unknown>;
  headers?: Record<string, string>;
}): BucketRoute | undefined {
  if (request.query?.["list-type"] === undefined || !request.hostname || !request.path) return undefined;
  const scope = /Credential=[^/,]+\/\d{8}\/([^/,]+)\/([^/,]+)\/aws4_request/.exec(
    request.headers?.authorization ?? "",
  );
  if (!scope?.[1] || !scope[2]) return undefined;
  return {
    protocol: request.protocol ?? "https:",
    hostname: request.hostname,
    ...(request.port ? { port: request.port } : {}),
    bucketPath: request.path.replace(/\/$/, ""),
    region: scope[1],
    service: scope[2],
  };
}

/** A ranged GET carries no body: the SHA-256 of nothing. */
const EMPTY_SHA256 = createHash("sha256").digest("hex");

/**
 * GETs of a bucket's objects, signed with SigV4 and sent on keep-alive sockets, bypassing the SDK's
 * middleware stack: a cold listing makes one small ranged read per dump, and through the SDK each costs
 * milliseconds of CPU (endpoint rules, schema serialization, retry bookkeeping) on top of the request.
 * Only the plain answer is handled here; the store sends anything else through the SDK again.
 */
export class SignedGet {
  private readonly signer: SignatureV4;
  private readonly agent: http.Agent;

  constructor(
    private readonly route: BucketRoute,
    credentials: () => Promise<Credentials>,
    private readonly timeoutMs: number,
  ) {
    this.signer = new SignatureV4({
      service: route.service,
      region: route.region,
      credentials,
      sha256: NodeSha256,
      // S3 signs the path as sent, never encoded twice.
      uriEscapePath: false,
    });
    const options = { keepAlive: true, maxSockets: Number.POSITIVE_INFINITY };
    this.agent = route.protocol === "http:" ? new http.Agent(options) : new https.Agent(options);
  }

  /** The object's bytes [start, end), or all of them; any answer, with its body, as it came. */
  getObject(key: string, range?: { start: number; end: number }): Promise<Answer> {
    return this.get(
      `${this.route.bucketPath}/${encodeKey(key)}`,
      {},
      range ? { range: `bytes=${range.start}-${range.end - 1}` } : {},
    );
  }

  /** One ListObjectsV2 page of the bucket, `query` as S3 names its parameters (`prefix`, `max-keys`). */
  listObjects(query: Record<string, string>): Promise<Answer> {
    return this.get(`${this.route.bucketPath}/`, { "list-type": "2", ...query }, {});
  }

  private async get(path: string, query: Record<string, string>, headers: Record<string, string>) {
    const { protocol, hostname, port } = this.route;
    const signed = await this.signer.sign({
      method: "GET",
      protocol,
      hostname,
      ...(port ? { port } : {}),
      path,
      query,
      headers: {
        host: port ? `${hostname}:${port}` : hostname,
        "x-amz-content-sha256": EMPTY_SHA256,
        ...headers,
      },
    });
    const search = Object.entries(query)
      .map(([name, value]) => `${encodeSegment(name)}=${encodeSegment(value)}`)
      .join("&");
    return this.send(search ? `${path}?${search}` : path, signed.headers);
  }

  private send(path: string, headers: Record<string, string>): Promise<Answer> {
    const { protocol, hostname, port } = this.route;
    const transport = protocol === "http:" ? http : https;
    return new Promise((resolve, reject) => {
      const request = transport.request(
        { agent: this.agent, hostname, ...(port ? { port } : {}), path, method: "GET", headers },
        (response) => {
          const parts: Buffer[] = [];
          response.on("data", (part: Buffer) => parts.push(part));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(parts) }));
          response.on("error", reject);
        },
      );
      request.setTimeout(this.timeoutMs, () => request.destroy(new Error("the store went silent")));
      request.on("error", reject);
      request.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** A key as S3 expects it in a path: each segment percent-encoded as RFC 3986 says, the slashes kept. */
export function encodeKey(key: string): string {
  return key.split("/").map(encodeSegment).join("/");
}

/** RFC 3986's unreserved characters stay, as SigV4's canonical form keeps them; all else is encoded. */
function encodeSegment(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

type SourceData = string | ArrayBuffer | ArrayBufferView;

/** The signer's hash, from node:crypto: SHA-256, or its HMAC where a key is given. */
class NodeSha256 {
  private readonly hash;

  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytesOf(secret));
  }

  update(data: SourceData): void {
    this.hash.update(bytesOf(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function bytesOf(data: SourceData): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}
