import { createReadStream } from "node:fs";
import { S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { describeBucket, type S3Config } from "./s3-config.js";
import { StoreError } from "./store.js";

/** Puts a local file into the bucket, in parts for a large one (a core of gigabytes). */
export async function uploadFile(config: S3Config, file: string, key: string): Promise<void> {
  const client = new S3Client({
    region: config.region,
    forcePathStyle: config.endpoint !== undefined,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
  });
  try {
    await new Upload({
      client,
      params: { Bucket: config.bucket, Key: key, Body: createReadStream(file) },
    }).done();
  } catch (error) {
    const { name, message } = error as Error;
    throw new StoreError("other", `cannot upload ${key} to ${describeBucket(config)}: ${name}: ${message}`, {
      cause: error,
    });
  }
}
