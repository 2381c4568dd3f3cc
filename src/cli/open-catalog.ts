import { existsSync } from "node:fs";
import { Catalog } from "../catalog/catalog.js";
import { MetadataCache } from "../catalog/metadata-cache.js";
import { UsageError } from "../errors.js";
import type { Settings } from "../settings.js";
import { s3ConfigFrom } from "../store/s3-config.js";
import type { Store } from "../store/store.js";
import { Counter } from "../ui/progress.js";
import type { StoreFlags } from "./store-options.js";

/** The folder the 2020 debug pod mounted the bucket at. */
export const DEFAULT_CORES_DIR = "/cores";

/** The first that is set: --dir, --bucket, the handler's S3 variables, the folder /cores. */
export async function openStore(flags: StoreFlags, settings: Settings): Promise<Store> {
  const { DirectoryStore } = await import("../store/directory-store.js");
  if (flags.dir) return new DirectoryStore(flags.dir, flags.prefix);
  const s3 = s3ConfigFrom(flags, settings.env);
  if (s3) {
    const { S3Store } = await import("../store/s3-store.js");
    return new S3Store(s3, settings.env, settings.limits.storeReadMs);
  }
  if (existsSync(DEFAULT_CORES_DIR)) return new DirectoryStore(DEFAULT_CORES_DIR, flags.prefix);
  throw new UsageError(
    "no dumps to read: give --bucket NAME (or set S3_BUCKET_NAME) for S3, or --dir DIR for a folder of dumps",
  );
}

export async function openCatalog(flags: StoreFlags, settings: Settings): Promise<Catalog> {
  const store = await openStore(flags, settings);
  const counter = new Counter("reading dump metadata");
  return new Catalog(store, {
    cache: new MetadataCache(settings.cacheDir, store.description),
    onProgress: (done, total) => (done === total ? counter.done() : counter.update(done, total)),
  });
}
