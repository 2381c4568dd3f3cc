import { lstat, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { isPartialCore, RECORD } from "./dump-folder.js";
import { isOrphaned, STAGING_PREFIX } from "./owned-name.js";

/** Something `clean` may remove: a dump's working folder or an executable in the cache. */
export interface Removable {
  path: string;
  kind: "dump folder" | "cached executable" | "unfinished download";
  /** Bytes on disk (holes not counted). */
  bytes: number;
  lastUsed: Date;
}

export interface CleanPolicy {
  /** Remove what was last used before this. */
  olderThan?: Date;
  /** Then remove the least recently used until what remains fits. */
  maxBytes?: number;
}

/**
 * Dump folders of coredump's own (they hold its completion record or a partial core), cached executables,
 * and the staging folders of downloads whose process is gone.
 */
export async function findRemovables(workdir: string, cacheDir: string): Promise<Removable[]> {
  const dumps = await childFolders(workdir, async (folder) => {
    const names = await readdir(folder).catch(() => [] as string[]);
    return names.includes(RECORD) || names.some(isPartialCore);
  });
  const binaries = await childFolders(path.join(cacheDir, "binaries"), async (folder) =>
    /^[0-9a-f]{8,}$/.test(path.basename(folder)),
  );
  // What a killed download left behind counts as never used: any --older-than or --max-size takes it.
  const orphans = await childFolders(path.join(cacheDir, "binaries"), async (folder) =>
    isOrphaned(path.basename(folder), STAGING_PREFIX),
  );
  return [
    ...(await Promise.all(dumps.map((folder) => describe(folder, "dump folder")))),
    ...(await Promise.all(binaries.map((folder) => describe(folder, "cached executable")))),
    ...(await Promise.all(
      orphans.map(async (folder) => ({
        ...(await describe(folder, "unfinished download")),
        lastUsed: new Date(0),
      })),
    )),
  ];
}

/** What the policy removes: the old first, then the least recently used while over the budget. */
export function chooseRemovals(items: readonly Removable[], policy: CleanPolicy): Removable[] {
  const byAge = [...items].sort((a, b) => a.lastUsed.getTime() - b.lastUsed.getTime());
  const chosen = new Set(byAge.filter((item) => policy.olderThan && item.lastUsed < policy.olderThan));
  if (policy.maxBytes !== undefined) {
    let kept = byAge.filter((item) => !chosen.has(item)).reduce((sum, item) => sum + item.bytes, 0);
    for (const item of byAge) {
      if (kept <= policy.maxBytes) break;
      if (chosen.has(item)) continue;
      chosen.add(item);
      kept -= item.bytes;
    }
  }
  return byAge.filter((item) => chosen.has(item));
}

export async function remove(items: readonly Removable[]): Promise<void> {
  for (const item of items) await rm(item.path, { recursive: true, force: true });
}

async function childFolders(parent: string, keep: (folder: string) => Promise<boolean>): Promise<string[]> {
  const entries = await readdir(parent, { withFileTypes: true }).catch(() => []);
  const folders = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => path.join(parent, entry.name));
  const kept = await Promise.all(folders.map(async (folder) => ((await keep(folder)) ? folder : undefined)));
  return kept.filter((folder): folder is string => folder !== undefined);
}

async function describe(folder: string, kind: Removable["kind"]): Promise<Removable> {
  let bytes = 0;
  let lastUsed = (await lstat(folder)).mtime;
  for (const entry of await readdir(folder, { recursive: true })) {
    const info = await lstat(path.join(folder, entry));
    bytes += info.blocks * 512;
    if (info.mtime > lastUsed) lastUsed = info.mtime;
  }
  return { path: folder, kind, bytes, lastUsed };
}
