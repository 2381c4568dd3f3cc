import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { readBody, type StoredObject } from "./handler-layout.js";
import { repoRoot } from "./repo-root.js";

/** The rig's S3 (Ceph RGW), as `tests/rig/rgw.sh start` describes it in its env file. */
export interface RigS3 {
  endpoint: string;
  accessKey: string;
  secret: string;
  region: string;
  /** A user that owns nothing: bucket policies grant it a prefix (see grantPrefix). */
  team: { user: string; accessKey: string; secret: string };
}

export function rigS3(): RigS3 {
  const file = path.join(repoRoot(), ".cache", "rig", "rgw.env");
  const values: Record<string, string | undefined> = { ...process.env };
  if (!values.S3_ENDPOINT && existsSync(file)) {
    for (const match of readFileSync(file, "utf8").matchAll(/^export (\w+)=(.*)$/gm))
      values[match[1] ?? ""] = match[2];
  }
  const {
    S3_ENDPOINT,
    S3_ACCESS_KEY,
    S3_SECRET,
    S3_REGION,
    RIG_TEAM_USER,
    RIG_TEAM_ACCESS_KEY,
    RIG_TEAM_SECRET,
  } = values;
  if (!S3_ENDPOINT || !S3_ACCESS_KEY || !S3_SECRET) {
    throw new Error(
      "the S3 rig is not running: start it with `bash tests/rig/rgw.sh start` (scripts/test.sh does)",
    );
  }
  return {
    endpoint: S3_ENDPOINT,
    accessKey: S3_ACCESS_KEY,
    secret: S3_SECRET,
    region: S3_REGION ?? "us-east-1",
    team: { user: RIG_TEAM_USER ?? "", accessKey: RIG_TEAM_ACCESS_KEY ?? "", secret: RIG_TEAM_SECRET ?? "" },
  };
}

export function s3Client(
  rig: RigS3,
  credentials = { accessKeyId: rig.accessKey, secretAccessKey: rig.secret },
) {
  return new S3Client({ endpoint: rig.endpoint, region: rig.region, forcePathStyle: true, credentials });
}

/** A new, empty bucket of its own for one test file: tests never see each other's dumps. */
export async function freshBucket(rig: RigS3, label: string): Promise<string> {
  const bucket = `${label}-${randomBytes(4).toString("hex")}`;
  await s3Client(rig).send(new CreateBucketCommand({ Bucket: bucket }));
  if (createdBuckets.length === 0) process.once("beforeExit", () => void deleteCreatedBuckets());
  createdBuckets.push({ rig, bucket });
  return bucket;
}

/** The buckets this process made, deleted with all they hold when it is done. */
const createdBuckets: Array<{ rig: RigS3; bucket: string }> = [];

/**
 * The rig's OSD keeps every object in 4 GiB of RAM (tests/rig/rgw.sh): a whole run's buckets left behind
 * would fill it, and a full OSD blocks every write after. Best effort: a rig already stopped is no matter.
 */
async function deleteCreatedBuckets(): Promise<void> {
  for (const { rig, bucket } of createdBuckets.splice(0)) {
    const client = s3Client(rig);
    try {
      const keys = (await listKeys(rig, bucket)).map((key) => ({ Key: key }));
      for (let at = 0; at < keys.length; at += 1000)
        await client.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.slice(at, at + 1000) } }),
        );
      const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      for (const upload of uploads.Uploads ?? [])
        await client.send(
          new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }),
        );
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
    } catch {
      // The rig is down, or a test changed the bucket's policy: what is left goes when the rig stops.
    }
  }
}

export async function putObjects(
  rig: RigS3,
  bucket: string,
  objects: readonly StoredObject[],
): Promise<void> {
  const client = s3Client(rig);
  const limit = pLimit(16);
  await Promise.all(
    objects.map((object) =>
      limit(async () =>
        client.send(new PutObjectCommand({ Bucket: bucket, Key: object.key, Body: await readBody(object) })),
      ),
    ),
  );
}

/**
 * Lets `user` list the whole bucket but read objects under `prefix` only, as a team's scoped key would;
 * with `listPrefixOnly`, list only under `prefix` too (docs/security.md's policy: s3:ListBucket with a
 * prefix condition).
 */
export async function grantPrefix(
  rig: RigS3,
  bucket: string,
  user: string,
  prefix: string,
  options: { listPrefixOnly?: boolean } = {},
): Promise<void> {
  const listOnly = options.listPrefixOnly ? { StringLike: { "s3:prefix": [`${prefix}*`] } } : undefined;
  await putUserPolicy(rig, bucket, user, ["s3:GetObject"], prefix, listOnly);
}

/** A bucket policy: `user` may list the bucket (where `listCondition` holds) and act on objects under `prefix`. */
async function putUserPolicy(
  rig: RigS3,
  bucket: string,
  user: string,
  objectActions: string[],
  prefix: string,
  listCondition?: Record<string, unknown>,
): Promise<void> {
  const principal = { AWS: [`arn:aws:iam:::user/${user}`] };
  const policy = {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: principal,
        Action: ["s3:ListBucket"],
        Resource: [`arn:aws:s3:::${bucket}`],
        ...(listCondition ? { Condition: listCondition } : {}),
      },
      {
        Effect: "Allow",
        Principal: principal,
        Action: objectActions,
        Resource: [`arn:aws:s3:::${bucket}/${prefix}*`],
      },
    ],
  };
  await s3Client(rig).send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
}

/** Every key of a bucket, page after page. */
export async function listKeys(rig: RigS3, bucket: string): Promise<string[]> {
  const client = s3Client(rig);
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, ...(token ? { ContinuationToken: token } : {}) }),
    );
    for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** One object's bytes as text. */
export async function readText(rig: RigS3, bucket: string, key: string): Promise<string> {
  const object = await s3Client(rig).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToString("utf8")) ?? "";
}

/** Lets `user` list, read and write the whole bucket: a place of its own for what it writes (triage's records). */
export async function grantReadWrite(rig: RigS3, bucket: string, user: string): Promise<void> {
  await putUserPolicy(rig, bucket, user, ["s3:GetObject", "s3:PutObject"], "");
}

/** The environment that points `coredump` at a bucket of the rig, as core-dump-handler names it. */
export function s3Env(rig: RigS3, bucket: string): Record<string, string> {
  return {
    S3_ENDPOINT: rig.endpoint,
    S3_ACCESS_KEY: rig.accessKey,
    S3_SECRET: rig.secret,
    S3_REGION: rig.region,
    S3_BUCKET_NAME: bucket,
  };
}
