/**
 * The yardstick: what anyone would write with the AWS SDK for JavaScript to list a bucket. One
 * ListObjectsV2 after another, following ContinuationToken, no delimiter, path-style. Run as its own
 * process by bench/list.ts, so that loading the SDK counts here as it does for `coredump`:
 *
 *   node dist/bench/sdk-loop.js BUCKET    # env: S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET, S3_REGION
 *
 * Prints `<objects> <requests>` on stdout.
 */
import { pathToFileURL } from "node:url";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";

export interface Listing {
  keys: string[];
  requests: number;
}

/** Every key of the bucket, page after page. */
export async function listAll(client: S3Client, bucket: string): Promise<Listing> {
  const keys: string[] = [];
  let requests = 0;
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, ...(token ? { ContinuationToken: token } : {}) }),
    );
    requests += 1;
    for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return { keys, requests };
}

/** A client of the rig from S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET and S3_REGION, path-style. */
export function sdkClient(): S3Client {
  const { S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET, S3_REGION } = process.env;
  if (!S3_ENDPOINT || !S3_ACCESS_KEY || !S3_SECRET) {
    process.stderr.write("set S3_ENDPOINT, S3_ACCESS_KEY and S3_SECRET\n");
    process.exit(2);
  }
  return new S3Client({
    endpoint: S3_ENDPOINT,
    region: S3_REGION ?? "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: S3_ACCESS_KEY, secretAccessKey: S3_SECRET },
  });
}

async function main(bucket: string | undefined): Promise<void> {
  if (!bucket) {
    process.stderr.write("usage: S3_ENDPOINT=… S3_ACCESS_KEY=… S3_SECRET=… node sdk-loop.js BUCKET\n");
    process.exit(2);
  }
  const { keys, requests } = await listAll(sdkClient(), bucket);
  process.stdout.write(`${keys.length} ${requests}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv[2]);
}
