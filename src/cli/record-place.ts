import { UsageError } from "../errors.js";
import type { Settings } from "../settings.js";
import { normalisePrefix, s3ConfigFrom } from "../store/s3-config.js";
import type { Store } from "../store/store.js";
import type { RecordPlace } from "../triage/record-place.js";
import type { StoreFlags } from "./store-options.js";

export interface ResultsFlags extends StoreFlags {
  /** `--results s3://bucket/prefix` or a folder; else $COREDUMP_RESULTS; else beside the dumps. */
  results?: string;
}

/**
 * Where triage records are, for the dumps in `dumps`: beside them, or where `--results` (or
 * $COREDUMP_RESULTS) says. Another bucket is reached with the dumps' endpoint, region and credentials.
 */
export async function openRecordPlace(
  flags: ResultsFlags,
  settings: Settings,
  dumps: Store,
): Promise<RecordPlace> {
  const results = flags.results ?? (settings.env.COREDUMP_RESULTS || undefined);
  if (results === undefined) return { store: dumps, base: "", beside: true };
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(results);
  if (s3) {
    const config = s3ConfigFrom({ ...flags, bucket: s3[1] ?? "", prefix: s3[2] ?? "" }, settings.env);
    if (!config) throw new UsageError(`--results ${results}: name a bucket, such as s3://triage/records/`);
    const { S3Store } = await import("../store/s3-store.js");
    return {
      store: new S3Store(config, settings.env, settings.limits.storeReadMs),
      base: normalisePrefix(config.prefix),
      beside: false,
    };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(results))
    throw new UsageError(`--results ${results}: give s3://BUCKET/PREFIX or a folder`);
  const { DirectoryStore } = await import("../store/directory-store.js");
  return { store: new DirectoryStore(results), base: "", beside: false };
}
