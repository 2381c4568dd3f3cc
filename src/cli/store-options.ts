import type { Command } from "commander";

export interface StoreFlags {
  dir?: string;
  bucket?: string;
  endpoint?: string;
  region?: string;
  prefix?: string;
}

/** Store flags go on the program and on every verb, so they may stand before or after it. */
export function addStoreOptions(command: Command): Command {
  return command
    .option("--dir <dir>", "read dumps from a folder (such as a mounted bucket) instead of S3")
    .option("--bucket <bucket>", "S3 bucket of the dumps (default: $S3_BUCKET_NAME)")
    .option("--endpoint <url>", "S3-compatible endpoint, e.g. http://rgw:7480 (default: $S3_ENDPOINT)")
    .option("--region <region>", "S3 region (default: $S3_REGION, else us-east-1)")
    .option("--prefix <prefix>", "only keys under this folder, e.g. cores/team-a/");
}
