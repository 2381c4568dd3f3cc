/**
 * Puts the fetch benchmark's dumps in the rig's RGW: big bodies as multipart uploads streamed from the
 * handler-layout builders (never whole in memory), each object tagged with what it was made from so that
 * a later run reuses it instead of compressing and uploading again.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { openBody, type StoredObject } from "../../tests/support/handler-layout.js";

/** Bytes per part: RGW wants 5 MiB at least, all parts but the last. */
const PART = 32 * 1024 * 1024;
/** Parts uploading at once (each held in memory while it uploads). */
const PARTS_IN_FLIGHT = 3;

export async function ensureBucket(client: S3Client, bucket: string): Promise<void> {
  const exists = await client.send(new HeadBucketCommand({ Bucket: bucket })).then(
    () => true,
    () => false,
  );
  if (!exists) await client.send(new CreateBucketCommand({ Bucket: bucket }));
}

/** The object's size when it exists with `tag` as its `bench-source` metadata; else undefined. */
export async function taggedSize(
  client: S3Client,
  bucket: string,
  key: string,
  tag: string,
): Promise<number | undefined> {
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.Metadata?.["bench-source"] === tag ? (head.ContentLength ?? 0) : undefined;
  } catch {
    return undefined;
  }
}

/** Uploads one object (multipart when it is computed on demand); returns its size. */
export async function upload(
  client: S3Client,
  bucket: string,
  object: StoredObject,
  tag: string,
): Promise<number> {
  const Metadata = { "bench-source": tag };
  if ("data" in object) {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: object.key, Body: object.data, Metadata }));
    return object.data.length;
  }
  const { UploadId } = await client.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: object.key, Metadata }),
  );
  const parts: Array<{ PartNumber: number; ETag: string }> = [];
  const inFlight = new Set<Promise<void>>();
  let size = 0;
  let sent = 0;
  const send = (body: Buffer) => {
    const PartNumber = ++sent;
    const sending = client
      .send(new UploadPartCommand({ Bucket: bucket, Key: object.key, UploadId, PartNumber, Body: body }))
      .then(({ ETag }) => {
        parts.push({ PartNumber, ETag: ETag ?? "" });
      })
      .finally(() => inFlight.delete(sending));
    inFlight.add(sending);
  };
  try {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    for await (const chunk of openBody(object)) {
      pending.push(chunk as Buffer);
      pendingBytes += (chunk as Buffer).length;
      size += (chunk as Buffer).length;
      if (pendingBytes >= PART) {
        send(Buffer.concat(pending, pendingBytes));
        pending = [];
        pendingBytes = 0;
        while (inFlight.size >= PARTS_IN_FLIGHT) await Promise.race(inFlight);
      }
    }
    if (pendingBytes > 0 || sent === 0) send(Buffer.concat(pending, pendingBytes));
    await Promise.all(inFlight);
    parts.sort((a, b) => a.PartNumber - b.PartNumber);
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: object.key,
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    return size;
  } catch (error) {
    await Promise.allSettled(inFlight);
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: object.key, UploadId }))
      .catch(() => undefined);
    throw error;
  }
}

export async function remove(client: S3Client, bucket: string, keys: readonly string[]): Promise<void> {
  for (const Key of keys) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
}
