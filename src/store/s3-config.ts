/** Where the bucket is and who we are, as resolved from flags and the environment (no I/O). */
export interface S3Config {
  bucket: string;
  prefix: string;
  region: string;
  endpoint?: string;
  /** Static keys, as core-dump-handler names them; absent means the AWS default credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; source: string };
}

export interface S3Flags {
  bucket?: string;
  prefix?: string;
  endpoint?: string;
  region?: string;
}

/** The handler's variables first (S3_*), then the standard AWS ones the SDK reads by itself. */
export function s3ConfigFrom(flags: S3Flags, env: NodeJS.ProcessEnv): S3Config | undefined {
  const bucket = flags.bucket ?? nonEmpty(env.S3_BUCKET_NAME);
  if (!bucket) return undefined;
  const endpoint = flags.endpoint ?? nonEmpty(env.S3_ENDPOINT) ?? nonEmpty(env.AWS_ENDPOINT_URL_S3);
  const region = flags.region ?? nonEmpty(env.S3_REGION) ?? nonEmpty(env.AWS_REGION) ?? "us-east-1";
  const accessKeyId = nonEmpty(env.S3_ACCESS_KEY);
  const secretAccessKey = nonEmpty(env.S3_SECRET);
  const config: S3Config = { bucket, prefix: normalisePrefix(flags.prefix ?? ""), region };
  if (endpoint) config.endpoint = withScheme(endpoint);
  if (accessKeyId && secretAccessKey) {
    config.credentials = { accessKeyId, secretAccessKey, source: "S3_ACCESS_KEY/S3_SECRET" };
  }
  return config;
}

/** Which credentials a request used, for error messages: never the secret. */
export function describeCredentials(config: S3Config, env: NodeJS.ProcessEnv): string {
  if (config.credentials)
    return `access key ${config.credentials.accessKeyId} from ${config.credentials.source}`;
  if (env.AWS_ACCESS_KEY_ID) return `access key ${env.AWS_ACCESS_KEY_ID} from AWS_ACCESS_KEY_ID`;
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE) return `web identity token ${env.AWS_WEB_IDENTITY_TOKEN_FILE}`;
  if (env.AWS_PROFILE) return `AWS profile ${env.AWS_PROFILE}`;
  return "the AWS default credential chain";
}

export function describeBucket(config: S3Config): string {
  const where = `s3://${config.bucket}/${config.prefix}`;
  return config.endpoint ? `${where} at ${config.endpoint}` : `${where} (region ${config.region})`;
}

/** `team-a` and `team-a/` name the same folder of keys. */
export function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, "");
  return trimmed === "" || trimmed.endsWith("/") ? trimmed : `${trimmed}/`;
}

/**
 * The endpoint with a scheme and without userinfo: S3 takes its keys from S3_ACCESS_KEY and S3_SECRET,
 * and a password in `http://AK:pw@host` would be echoed by every message that names the endpoint.
 */
function withScheme(endpoint: string): string {
  const full = /^[a-z]+:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`;
  return full.replace(/^([a-z]+:\/\/)[^/@]*@/i, "$1");
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}
