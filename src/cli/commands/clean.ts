import { crashTime } from "../../catalog/dump.js";
import { parseTime } from "../../catalog/filters.js";
import { keysOf } from "../../catalog/group.js";
import { UsageError } from "../../errors.js";
import type { Settings } from "../../settings.js";
import { formatSize, formatTime } from "../../ui/format.js";
import { writeHuman } from "../../ui/untrusted-text.js";
import { chooseRemovals, findRemovables, remove } from "../../workspace/clean.js";
import { workdirFrom } from "../../workspace/dump-folder.js";
import { openCatalog } from "../open-catalog.js";
import type { StoreFlags } from "../store-options.js";

export interface CleanFlags extends StoreFlags {
  olderThan?: string;
  maxSize?: string;
  workdir?: string;
  remote?: boolean;
  yes?: boolean;
  dryRun?: boolean;
}

export async function clean(flags: CleanFlags, settings: Settings): Promise<void> {
  if (flags.remote) return cleanRemote(flags, settings);
  if (flags.olderThan === undefined && flags.maxSize === undefined) {
    throw new UsageError("say what to remove: --older-than 7d, --max-size 20GB, or both");
  }
  const policy = {
    ...(flags.olderThan ? { olderThan: parseTime(flags.olderThan, new Date(), "--older-than") } : {}),
    ...(flags.maxSize ? { maxBytes: parseSize(flags.maxSize) } : {}),
  };
  const chosen = chooseRemovals(
    await findRemovables(workdirFrom(flags.workdir, settings), settings.cacheDir),
    policy,
  );
  const freed = chosen.reduce((sum, item) => sum + item.bytes, 0);
  for (const item of chosen)
    writeHuman(
      process.stdout,
      `${flags.dryRun ? "would remove" : "removed"} ${item.kind} ${item.path} (${formatSize(item.bytes)}, last used ${formatTime(item.lastUsed)})\n`,
    );
  if (!flags.dryRun) await remove(chosen);
  writeHuman(
    process.stdout,
    `${flags.dryRun ? "would free" : "freed"} ${formatSize(freed)} in ${chosen.length} item${chosen.length === 1 ? "" : "s"}\n`,
  );
}

/** Deletes dumps older than an age from the bucket: a dry run unless --yes, since nothing brings them back. */
async function cleanRemote(flags: CleanFlags, settings: Settings): Promise<void> {
  if (flags.olderThan === undefined)
    throw new UsageError("--remote needs --older-than, e.g. --older-than 90d");
  if (flags.maxSize !== undefined) {
    throw new UsageError("--max-size is for the working folder; with --remote use --older-than");
  }
  // --dry-run wins over --yes: whoever adds it wants to be safe.
  const really = flags.yes === true && flags.dryRun !== true;
  const before = parseTime(flags.olderThan, new Date(), "--older-than");
  const catalog = await openCatalog(flags, settings);
  const old = (await catalog.dumps()).filter(
    (dump) => dump.time !== undefined && dump.time < before.getTime(),
  );
  const keys = old.flatMap((dump) => keysOf(dump.objects));
  const bytes = old.reduce((sum, dump) => sum + dump.size, 0);
  for (const dump of old)
    writeHuman(
      process.stdout,
      `${really ? "deleting" : "would delete"} ${dump.id} (${formatTime(crashTime(dump))}, ${formatSize(dump.size)})\n`,
    );
  if (really) await catalog.store.delete(keys);
  writeHuman(
    process.stdout,
    really
      ? `deleted ${old.length} dumps (${keys.length} objects, ${formatSize(bytes)}) from ${catalog.store.description}\n`
      : `${old.length} dumps (${keys.length} objects, ${formatSize(bytes)}) in ${catalog.store.description} are older than ${flags.olderThan}: add --yes to delete them\n`,
  );
}

const UNITS: Record<string, number> = {
  "": 1,
  B: 1,
  K: 1e3,
  KB: 1e3,
  M: 1e6,
  MB: 1e6,
  G: 1e9,
  GB: 1e9,
  T: 1e12,
  TB: 1e12,
};

/** `20GB`, `500M`, `1.5T`: decimal units, as sizes are shown. */
export function parseSize(word: string, flag = "--max-size"): number {
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT]?B?)$/i.exec(word.trim());
  const unit = match ? UNITS[(match[2] ?? "").toUpperCase()] : undefined;
  if (!match || unit === undefined)
    throw new UsageError(`${flag} ${word}: give a size such as 500MB or 20GB`);
  return Number(match[1]) * unit;
}
