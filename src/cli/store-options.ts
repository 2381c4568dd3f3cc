import type { Command } from "commander";

export interface StoreFlags {
  dir?: string;
  bucket?: string;
  endpoint?: string;
  region?: string;
  prefix?: string;
}

/** Store flags go on the program and on every verb, so they may stand before or after it. */
export function addStoreOptions(command: Command, options: { dirHelp?: string } = {}): Command {
  return command
    .option(
      "--dir <dir>",
      options.dirHelp ?? "read dumps from a folder (such as a mounted bucket) instead of S3",
    )
    .option("--bucket <bucket>", "S3 bucket of the dumps (default: $S3_BUCKET_NAME)")
    .option("--endpoint <url>", "S3-compatible endpoint, e.g. http://rgw:7480 (default: $S3_ENDPOINT)")
    .option("--region <region>", "S3 region (default: $S3_REGION, else us-east-1)")
    .option("--prefix <prefix>", "only keys under this folder, e.g. cores/team-a/");
}

export const ID_HELP =
  'dump id: uuid, unique prefix (4+ characters), "last", or one of its keys (for two dumps with one uuid); omitted on a terminal, a picker';

/** The flags of every command that fetches a dump and its executable. */
export function addFetchOptions(command: Command): Command {
  return command
    .option("--workdir <dir>", "where dump folders go (default: $COREDUMP_WORKDIR, else ~/work)")
    .option("--force", "download the core again even when a complete copy is already there")
    .option(
      "--binary <path>",
      "use this executable instead of looking for it (verified by build-id like any other)",
    )
    .option(
      "--no-verify",
      "accept an executable whose build-id differs from the core's: llnode may then show garbage",
    )
    .option(
      "--insecure-registry <host>",
      "speak plain HTTP to this registry (repeatable; also $COREDUMP_INSECURE_REGISTRIES); loopback registries always are",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option("-q, --quiet", "no progress or retry messages on stderr");
}
