import { randomBytes } from "node:crypto";
import { holderOf, isRunning } from "./fetch-lock.js";

/** The prefix of the binary cache's staging folders: `clean` removes orphaned ones too. */
export const STAGING_PREFIX = ".staging-";

/**
 * A temporary name that says which process made it: `<prefix><pid>-<start time>-<random>`. What a killed
 * process left under such a name can then be told from what a running one is still writing.
 */
export function ownedName(prefix: string): string {
  const { pid, start } = holderOf(process.pid);
  return `${prefix}${pid}-${start || "0"}-${randomBytes(4).toString("hex")}`;
}

/** Whether `name` is an owned name of `prefix` whose process is gone. */
export function isOrphaned(name: string, prefix: string): boolean {
  if (!name.startsWith(prefix)) return false;
  const match = /^(\d+)-(\d+)-[0-9a-f]+$/.exec(name.slice(prefix.length));
  // The names of older versions (`<pid>-<random>`) are orphans once their pid is gone.
  const legacy = /^(\d+)-[0-9a-f]+$/.exec(name.slice(prefix.length));
  if (!match && !legacy) return false;
  const pid = Number((match ?? legacy)?.[1]);
  const start = match?.[2] === "0" || !match ? "" : (match[2] as string);
  return !isRunning({ ...holderOf(pid), pid, start });
}
