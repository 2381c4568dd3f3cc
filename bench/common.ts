/**
 * Small pieces the benchmarks share: their progress log, the CLI they run, option and figure helpers, the
 * environments they give commands, cleanup.
 */
import { loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DeleteBucketCommand, DeleteObjectCommand } from "@aws-sdk/client-s3";
import { dumpName, zipDump } from "../tests/support/handler-layout.js";
import { freshBucket, putObjects, type RigS3, s3Client } from "../tests/support/s3-rig.js";
import { tutorialDump } from "../tests/support/tutorial-dump.js";
import { type Command, run } from "./timing.js";

/** Progress, on stderr. */
export function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

/** The load averages over 1, 5 and 15 minutes: `0.4 0.3 0.2`. */
export function loads(): string {
  return loadavg()
    .map((load) => load.toFixed(1))
    .join(" ");
}

/** This checkout's CLI, as the benchmarks run it: `<repo>/bin/coredump.js` (this file runs from dist/bench/). */
export const coredumpBin = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "bin",
  "coredump.js",
);

/** An option's value as a whole number of at least `least`; else an error naming `--<name>`. */
export function whole(name: string, value: string | undefined, least = 1): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < least) throw new Error(`--${name}: a whole number ≥ ${least}`);
  return number;
}

/** Seconds since `start`, a `performance.now()`. */
export function since(start: number): number {
  return (performance.now() - start) / 1000;
}

/** How a goal line says whether it was met. */
export function goal(met: boolean): string {
  return met ? "met" : "NOT met";
}

/**
 * The caller's environment without its S3 or AWS settings (the CA bundle aside), colours off; without
 * XDG_CACHE_HOME too when `dropCacheHome`.
 */
export function callerEnv(dropCacheHome: boolean): NodeJS.ProcessEnv {
  const drop = dropCacheHome ? /^(S3_|AWS_(?!CA_BUNDLE)|XDG_CACHE_HOME$)/ : /^(S3_|AWS_(?!CA_BUNDLE))/;
  return {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !drop.test(name))),
    NO_COLOR: "1",
  };
}

/** The rig's S3 settings as the CLI and the benchmarks' own scripts read them. */
export function rigEnv(rig: RigS3): NodeJS.ProcessEnv {
  return {
    S3_ENDPOINT: rig.endpoint,
    S3_ACCESS_KEY: rig.accessKey,
    S3_SECRET: rig.secret,
    S3_REGION: rig.region,
  };
}

/**
 * This checkout's `coredump ARGS` on the rig's `bucket`, its cache under `cacheHome`, reaching the rig at
 * `endpoint` (a counting proxy's, say); `env` adds to the caller's environment without its S3 settings.
 */
export function coredumpCommand(
  rig: RigS3,
  args: readonly string[],
  bucket: string,
  cacheHome: string,
  { endpoint = rig.endpoint, env = {} }: { endpoint?: string; env?: NodeJS.ProcessEnv } = {},
): Command {
  return {
    program: process.execPath,
    args: [coredumpBin, ...args],
    env: {
      ...callerEnv(true),
      ...rigEnv(rig),
      S3_ENDPOINT: endpoint,
      S3_BUCKET_NAME: bucket,
      XDG_CACHE_HOME: cacheHome,
      ...env,
    },
  };
}

/** What Debian's awscli needs to reach the rig: its keys and region, no config files, no pager. */
export function awsCliEnv(rig: RigS3): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: rig.accessKey,
    AWS_SECRET_ACCESS_KEY: rig.secret,
    AWS_DEFAULT_REGION: rig.region,
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_PAGER: "",
  };
}

/**
 * A fresh bucket of the rig holding the tutorial's dump as a zip (tests/support/tutorial-dump.ts), made by
 * `fill` and deleted by `remove`, which does nothing before `fill` made it and logs a failure.
 */
export class TutorialZipBucket {
  bucket: string | undefined;
  key: string | undefined;

  constructor(private readonly rig: RigS3) {}

  /** The dump under the official Node `version`, its image `bench-<label>-<version>`, its bucket `bench-<label>-…`. */
  async fill(version: string, label: string) {
    log(`the official Node ${version}, its real core of the tutorial's crash, its image on the registry`);
    const dump = await tutorialDump(version, `bench-${label}-${version}`);
    const key = `${dumpName(dump.spec)}.zip`;
    this.key = key;
    const bucket = await freshBucket(this.rig, `bench-${label}`);
    this.bucket = bucket;
    await putObjects(this.rig, bucket, zipDump(dump.spec));
    return { ...dump, bucket, key };
  }

  async remove(): Promise<void> {
    const { bucket, key } = this;
    if (!bucket || !key) return;
    const client = s3Client(this.rig);
    await client
      .send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))
      .then(() => client.send(new DeleteBucketCommand({ Bucket: bucket })))
      .catch((error) => log(`could not remove the bucket ${bucket}: ${(error as Error).message}`));
  }
}

/** GNU time, for peak memory (Debian's `time`). */
const GNU_TIME = "/usr/bin/time";

/** A command's peak resident memory in KiB, from GNU time. */
export async function peakRss(command: Command): Promise<number> {
  return (await timedRss(command)).rss;
}

export async function timedRss(command: Command): Promise<{ seconds: number; rss: number; stdout: string }> {
  const outcome = await run(
    {
      program: GNU_TIME,
      args: ["-f", "rss %M", command.program, ...command.args],
      env: command.env,
    },
    true,
  );
  const rss = Number(/rss (\d+)/.exec(outcome.stderr)?.[1]);
  if (!Number.isFinite(rss)) throw new Error(`no peak RSS from ${GNU_TIME}: ${outcome.stderr.slice(-500)}`);
  return { seconds: outcome.seconds, rss, stdout: outcome.stdout };
}
