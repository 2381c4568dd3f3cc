import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { AdaptiveLimit } from "./adaptive-limit.js";
import { type ListPart, partsAfter } from "./key-ranges.js";
import { type ListPage, parseListPage } from "./list-result.js";
import { describeBucket, describeCredentials, type S3Config } from "./s3-config.js";
import { type Answer, type BucketRoute, routeOfListing, SignedGet } from "./signed-get.js";
import { type Store, type StoredObject, StoreError } from "./store.js";

/**
 * S3 requests one command keeps in flight: 64 to begin with (S3 serves thousands; a cold listing of
 * many zips is bound by requests in flight, not bytes), up to 128, halved on every SlowDown.
 */
const IN_FLIGHT = { initial: 64, most: 128 };
/** Tries of one request, the SDK's backoff between them: a throttled store gets time to recover. */
const MAX_ATTEMPTS = 6;

export class S3Store implements Store {
  readonly description: string;
  private readonly client: S3Client;
  private readonly limit = new AdaptiveLimit(IN_FLIGHT.initial, IN_FLIGHT.most);
  /** The light path for object reads, once a listing has shown where the SDK sends this bucket's requests. */
  private signedGet?: SignedGet;
  private lightFailed = false;

  constructor(
    private readonly config: S3Config,
    /** For naming the credentials in messages (the AWS chain's variables). */
    private readonly env: NodeJS.ProcessEnv,
    /** How long a call may take to connect or stay silent (`COREDUMP_READ_TIMEOUT`). */
    private readonly readTimeoutMs: number,
  ) {
    this.description = describeBucket(config);
    this.client = new S3Client({
      region: config.region,
      // The handler always addresses buckets path-style; S3-compatible stores expect it.
      forcePathStyle: config.endpoint !== undefined,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      ...(config.credentials ? { credentials: config.credentials } : {}),
      // An endpoint that accepts and then goes silent fails each call after the read timeout, and the
      // SDK's retries (TimeoutError is transient to them) apply to it as to any other failure. A second
      // more, so that a fetch's body streams are resumed by their own watchdog (readInChunks) first.
      requestHandler: { connectionTimeout: readTimeoutMs, socketTimeout: readTimeoutMs + 1000 },
      maxAttempts: MAX_ATTEMPTS,
    });
    // Inside the SDK's retries: every attempt's answer tells the limit whether the store is overloaded.
    // The step's deserializer may run outside this one, so an answer can arrive as a raw 503, not thrown.
    this.client.middlewareStack.add(
      (next) => async (args) => {
        this.learnRoute(args.request as Parameters<typeof routeOfListing>[0]);
        try {
          const result = await next(args);
          if (isThrottleStatus((result.response as { statusCode?: number } | undefined)?.statusCode))
            this.limit.throttled();
          else this.limit.succeeded();
          return result;
        } catch (error) {
          if (isThrottle(error)) this.limit.throttled();
          throw error;
        }
      },
      { step: "deserialize", name: "coredumpAdaptiveLimit" },
    );
  }

  /**
   * Lists the prefix folder by folder. A folder that fits in one page costs one request; the rest of a
   * larger one is split by the hex digit that begins its keys (uuids lead them) and the parts listed at
   * once, instead of page after page. The folders its first page names are listed alongside those parts:
   * a records folder (`.coredump-triage/`) sorts before every uuid, and a warm `list` of 10,000 triaged
   * dumps waited 0.2 s for its listing when it began after the dumps' own had ended. The objects come in
   * the same order either way: a folder's own, then its folders'.
   */
  async list(): Promise<StoredObject[]> {
    const listFolder = async (prefix: string): Promise<StoredObject[][]> => {
      const first = await this.listPart({ prefix }, true);
      const later = first.truncatedAfter === undefined ? [] : partsAfter(prefix, first.truncatedAfter);
      const [parts, early] = await Promise.all([
        Promise.all(later.map((part) => this.listPart(part, false))),
        Promise.all(first.folders.map(listFolder)),
      ]);
      const late = await Promise.all(parts.flatMap((part) => part.folders).map(listFolder));
      return [first.objects, ...parts.map((part) => part.objects), ...early.flat(), ...late.flat()];
    };
    await this.learnRouteFirst(this.config.prefix);
    const found: StoredObject[] = [];
    for (const objects of await listFolder(this.config.prefix))
      for (const object of objects) found.push(object);
    return found;
  }

  /**
   * The first key under the prefix, for doctor: whether the store answers these credentials as `list`
   * needs. A listing, not a read: a policy may allow listing a prefix where it allows no read of a
   * missing key, and a listing's error names its cause (a HEAD's 403 says only "denied").
   */
  async probe(): Promise<void> {
    await this.listPart({ prefix: this.config.prefix, maxKeys: 1 }, true);
  }

  /**
   * A listing of one key by the SDK, for the light path to learn its route from before the first page:
   * the SDK's reading of a page of 1,000 keys cost a warm listing 150 ms of CPU.
   */
  private async learnRouteFirst(prefix: string): Promise<void> {
    if (!this.signedGet && !this.lightFailed) await this.listPart({ prefix, maxKeys: 1 }, true);
  }

  /** One part of one folder. With `firstPageOnly`, stops after a page and says where it stopped. */
  private async listPart(
    part: ListPart,
    firstPageOnly: boolean,
  ): Promise<{ objects: StoredObject[]; folders: string[]; truncatedAfter?: string }> {
    const objects: StoredObject[] = [];
    const folders: string[] = [];
    const { prefix, before } = part;
    let token: string | undefined;
    let startAfter = part.startAfter;
    for (;;) {
      const query = {
        prefix,
        delimiter: "/",
        ...(part.maxKeys ? { "max-keys": String(part.maxKeys) } : {}),
        ...(token ? { "continuation-token": token } : startAfter ? { "start-after": startAfter } : {}),
      };
      const page = await this.call(
        prefix ? `listing ${prefix}` : "listing the bucket",
        async (client) =>
          (await this.lightPage(query)) ??
          client.send(
            new ListObjectsV2Command({
              Bucket: this.config.bucket,
              Prefix: prefix,
              Delimiter: "/",
              ...(part.maxKeys ? { MaxKeys: part.maxKeys } : {}),
              ...(token ? { ContinuationToken: token } : startAfter ? { StartAfter: startAfter } : {}),
            }),
          ),
        true,
      );
      let beyond = false;
      for (const item of page.Contents ?? []) {
        if (!item.Key) continue;
        if (before !== undefined && item.Key >= before) beyond = true;
        else objects.push(toStoredObject(item.Key, item.Size, item.ETag, item.LastModified));
      }
      for (const folder of page.CommonPrefixes ?? []) {
        if (!folder.Prefix) continue;
        if (before !== undefined && folder.Prefix >= before) beyond = true;
        else folders.push(folder.Prefix);
      }
      if (beyond || !page.IsTruncated) return { objects, folders };
      if (firstPageOnly) {
        const last = [objects.at(-1)?.key ?? "", folders.at(-1) ?? ""].sort().at(-1) ?? "";
        return { objects, folders, truncatedAfter: last };
      }
      token = page.NextContinuationToken;
      if (!token) startAfter = objects.at(-1)?.key;
    }
  }

  /** A listing page by the light path, where it answers plainly; else undefined, for the SDK to ask. */
  private lightPage(query: Record<string, string>): Promise<ListPage | undefined> {
    return this.lightly(
      (light) => light.listObjects(query),
      (answer) => (answer.status === 200 ? parseListPage(answer.body.toString("utf8")) : undefined),
    );
  }

  /**
   * A request by the light path, while it works, and what `plain` makes of its answer; undefined where
   * that is nothing, for the SDK to ask. Each answer tells the limit whether the store is overloaded, as
   * the SDK's do. A failure to connect or to finish (a TLS setting only the SDK knows of, a proxy in the
   * way) ends the light path for this store: the SDK takes every request after.
   */
  private async lightly<T>(
    request: (light: SignedGet) => Promise<Answer>,
    plain: (answer: Answer) => T | undefined,
  ): Promise<T | undefined> {
    const light = this.signedGet;
    if (!light) return undefined;
    let answer: Answer;
    try {
      answer = await request(light);
    } catch {
      if (this.signedGet === light) {
        this.signedGet = undefined;
        this.lightFailed = true;
        light.close();
      }
      return undefined;
    }
    const result = plain(answer);
    if (result !== undefined) this.limit.succeeded();
    else if (isThrottleStatus(answer.status)) this.limit.throttled();
    return result;
  }

  /** Reads go where the SDK sent the first listing, signed as it signed it: endpoint rules are the SDK's. */
  private learnRoute(request: Parameters<typeof routeOfListing>[0]): void {
    if (this.signedGet || this.lightFailed) return;
    const route: BucketRoute | undefined = routeOfListing(request);
    if (route)
      this.signedGet = new SignedGet(route, () => this.client.config.credentials(), this.readTimeoutMs);
  }

  async stat(key: string): Promise<StoredObject> {
    const head = await this.call(key, (client) =>
      client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: key })),
    );
    return toStoredObject(key, head.ContentLength, head.ETag, head.LastModified);
  }

  async readRange(key: string, start: number, end: number): Promise<Buffer> {
    if (end <= start) return Buffer.alloc(0);
    return this.getBytes(key, { start, end });
  }

  read(key: string): Promise<Buffer> {
    return this.getBytes(key);
  }

  /**
   * The body is read inside the limit too: a slot is free only once its bytes have arrived. The light path
   * takes the plain answer (200, or 206 with the bytes asked); anything else, a failure to connect
   * included, is asked again through the SDK, whose retries and errors are the store's.
   */
  private getBytes(key: string, range?: { start: number; end: number }): Promise<Buffer> {
    return this.call(key, async (client) => {
      const bytes = await this.lightly(
        (light) => light.getObject(key, range),
        (answer) => plainBytes(answer, range),
      );
      if (bytes) return bytes;
      const header = range ? { Range: `bytes=${range.start}-${range.end - 1}` } : {};
      const object = await client.send(
        new GetObjectCommand({ Bucket: this.config.bucket, Key: key, ...header }),
      );
      return Buffer.from(await (object.Body?.transformToByteArray() ?? new Uint8Array()));
    });
  }

  /** Puts a local file into the bucket, in parts when it is large (a core of gigabytes). */
  async putFile(key: string, file: string): Promise<void> {
    try {
      const upload = new Upload({
        client: this.client,
        params: { Bucket: this.config.bucket, Key: key, Body: createReadStream(file) },
      });
      await upload.done();
    } catch (error) {
      throw this.translate(error, key);
    }
  }

  /** One PutObject: S3 makes it visible whole or not at all. */
  async put(key: string, body: Buffer): Promise<StoredObject> {
    const answer = await this.call(key, (client) =>
      client.send(
        new PutObjectCommand({
          Bucket: this.config.bucket,
          Key: key,
          Body: body,
          ContentType: "application/json",
        }),
      ),
    );
    return toStoredObject(key, body.length, answer.ETag, new Date());
  }

  /** DeleteObjects takes at most 1,000 keys a request. */
  async delete(keys: readonly string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += 1000) {
      const batch = keys.slice(start, start + 1000).map((key) => ({ Key: key }));
      const answer = await this.call(batch[0]?.Key ?? "/", (client) =>
        client.send(
          new DeleteObjectsCommand({ Bucket: this.config.bucket, Delete: { Objects: batch, Quiet: true } }),
        ),
      );
      const failed = answer.Errors?.[0];
      if (failed)
        throw this.translate(
          Object.assign(new Error(failed.Message ?? "delete failed"), { name: failed.Code ?? "Error" }),
          failed.Key ?? "",
        );
    }
  }

  /** Not within the concurrency limit: a body stream is consumed at its reader's pace, not held for it. */
  async stream(
    key: string,
    range?: { start: number; end?: number },
    signal?: AbortSignal,
  ): Promise<Readable> {
    const start = range?.start ?? 0;
    const header =
      range?.end !== undefined
        ? `bytes=${start}-${range.end - 1}`
        : start > 0
          ? `bytes=${start}-`
          : undefined;
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.config.bucket, Key: key, ...(header ? { Range: header } : {}) }),
        signal ? { abortSignal: signal } : {},
      );
      return object.Body as Readable;
    } catch (error) {
      throw this.translate(error, key);
    }
  }

  /** Runs one request within the concurrency limit, turning its failure into a StoreError. */
  private call<T>(what: string, request: (client: S3Client) => Promise<T>, listing = false): Promise<T> {
    return this.limit.run(async () => {
      try {
        return await request(this.client);
      } catch (error) {
        throw this.translate(error, what, listing);
      }
    });
  }

  private translate(error: unknown, what: string, listing = false): StoreError {
    const bucket = describeBucket(this.config);
    const who = describeCredentials(this.config, this.env);
    const cause = { cause: error };
    if (error instanceof S3ServiceException) {
      const status = error.$metadata.httpStatusCode;
      switch (error.name) {
        case "NoSuchBucket":
          return new StoreError(
            "no-bucket",
            `bucket ${this.config.bucket} does not exist at ${bucket}`,
            cause,
          );
        case "NoSuchKey":
        case "NotFound":
          // S3 answers a listing with the bucket's error or a page; a bare 404 is some other server.
          if (listing) return notS3(bucket, status, cause);
          return new StoreError("not-found", `${what}: no such object in ${bucket}`, cause);
        case "SignatureDoesNotMatch":
        case "InvalidAccessKeyId":
          return new StoreError(
            "bad-credentials",
            `${bucket} rejected ${who} (${error.name}): check the access key and secret`,
            cause,
          );
      }
      if (status === 403) {
        return new StoreError(
          "denied",
          `${what}: access denied to ${who} on ${bucket}: use --prefix for the part these credentials may read, or credentials that may read this`,
          cause,
        );
      }
      if (status === 404 && listing) return notS3(bucket, status, cause);
      if (status === 404) return new StoreError("not-found", `${what}: not found in ${bucket}`, cause);
      return new StoreError("other", `${what}: ${error.name} (HTTP ${status ?? "?"}) from ${bucket}`, cause);
    }
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).name;
    if (
      ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNRESET", "TimeoutError"].includes(code)
    ) {
      return new StoreError("unreachable", `cannot reach ${bucket}: ${code}`, cause);
    }
    if ((error as Error).name === "CredentialsProviderError") {
      return new StoreError(
        "bad-credentials",
        `no S3 credentials found for ${bucket}: set S3_ACCESS_KEY and S3_SECRET (or AWS credentials)`,
        cause,
      );
    }
    return new StoreError("other", `${what}: ${(error as Error).message}`, cause);
  }
}

function notS3(bucket: string, status: number | undefined, cause: { cause: unknown }): StoreError {
  return new StoreError(
    "other",
    `${bucket} answered a bucket listing with a bare HTTP ${status ?? 404}: the endpoint does not look like S3 (check S3_ENDPOINT or --endpoint)`,
    cause,
  );
}

/** S3's SlowDown (503), and the 429 and 503 other stores answer when overloaded. */
function isThrottle(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const name = (error as Error).name;
  return isThrottleStatus(status) || name === "SlowDown" || name === "Throttling";
}

function isThrottleStatus(status: number | undefined): boolean {
  return status === 503 || status === 429;
}

/** The bytes of a plain answer: a 206 with exactly the bytes asked, or a 200 to a read of the whole. */
function plainBytes({ status, body }: Answer, range?: { start: number; end: number }): Buffer | undefined {
  const plain = range ? status === 206 && body.length === range.end - range.start : status === 200;
  return plain ? body : undefined;
}

function toStoredObject(key: string, size?: number, etag?: string, lastModified?: Date): StoredObject {
  return {
    key,
    size: size ?? 0,
    etag: (etag ?? "").replaceAll('"', ""),
    modified: lastModified?.getTime() ?? 0,
  };
}
