import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { link, readFile, rm, writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Who holds a lock: a pid alone says little (a pid is reused after a SIGKILL, and a shared volume sees
 * other machines' pids), so the holder is also named by its start time and the machine's boot.
 */
export interface LockHolder {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: clock ticks from boot to the process's start ("" without /proc). */
  start: string;
  /** /proc/sys/kernel/random/boot_id: another boot, or another machine, holds no lock here. */
  boot: string;
}

export interface LockOptions {
  /** Called once, when another live coredump holds the lock and this one starts waiting. */
  onWait?: (holder: LockHolder) => void;
  /** Ctrl-C and SIGTERM: waiting stops with the signal's reason. */
  signal?: AbortSignal;
  pollMs?: number;
}

/**
 * Takes the lock in `file` (created O_EXCL, 0600), waiting while a live holder has it and taking over a
 * dead one's. Resolves to the function that releases it.
 */
export async function acquireLock(file: string, options: LockOptions = {}): Promise<() => Promise<void>> {
  let told = false;
  for (;;) {
    options.signal?.throwIfAborted();
    const taken = await tryLock(file);
    if ("release" in taken) return taken.release;
    if (!told) options.onWait?.(taken.holder);
    told = true;
    try {
      await sleep(options.pollMs ?? 250, undefined, { signal: options.signal });
    } catch (error) {
      throw options.signal?.aborted ? options.signal.reason : error;
    }
  }
}

/**
 * Takes the lock in `file` if no live process holds it (a dead one's is taken over), without waiting:
 * the function that releases it, or the live holder.
 */
export async function tryLock(
  file: string,
): Promise<{ release: () => Promise<void> } | { holder: LockHolder }> {
  const own = JSON.stringify(holderOf(process.pid));
  for (;;) {
    if (await createWhole(file, own)) {
      return {
        release: async () => {
          // Only our own lock is removed: a lock taken over meanwhile is someone else's.
          if ((await readFile(file, "utf8").catch(() => "")) === own) await rm(file, { force: true });
        },
      };
    }
    const content = await readFile(file, "utf8").catch(() => "");
    const holder = parseHolder(content);
    if (holder && isRunning(holder)) return { holder };
    // Re-read right before removing, so that a lock another process just took over stays.
    if ((await readFile(file, "utf8").catch(() => "")) === content) await rm(file, { force: true });
  }
}

/**
 * Creates `file` holding `content`, or finds it there (false). The content is written under another name
 * and linked into place, so that no one ever reads a lock half-written (an empty lock would look like a dead
 * holder's, and be taken over). Where hard links are refused, the file is created and written in two steps.
 */
async function createWhole(file: string, content: string): Promise<boolean> {
  const staged = `${file}.${randomBytes(6).toString("hex")}.new`;
  try {
    await writeFile(staged, content, { flag: "wx", mode: 0o600 });
    await link(staged, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP") throw error;
    return writeFile(file, content, { flag: "wx", mode: 0o600 }).then(
      () => true,
      (failure: NodeJS.ErrnoException) => {
        if (failure.code === "EEXIST") return false;
        throw failure;
      },
    );
  } finally {
    await rm(staged, { force: true });
  }
}

/** This process, or another one, as it would write itself into a lock. */
export function holderOf(pid: number): LockHolder {
  return { pid, start: startTimeOf(pid) ?? "", boot: bootId() };
}

/** Whether the process a lock names is the one running now under that pid on this machine. */
export function isRunning(holder: LockHolder): boolean {
  if (holder.boot !== bootId()) return false;
  if (holder.start !== "") return startTimeOf(holder.pid) === holder.start;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function parseHolder(content: string): LockHolder | undefined {
  try {
    const value = JSON.parse(content) as Partial<LockHolder>;
    if (!Number.isInteger(value.pid) || (value.pid as number) <= 0) return undefined;
    if (typeof value.start !== "string" || typeof value.boot !== "string") return undefined;
    return { pid: value.pid as number, start: value.start, boot: value.boot };
  } catch {
    return undefined;
  }
}

function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name, in parentheses, may itself hold spaces and parentheses: fields follow the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

let boot: string | undefined;
function bootId(): string {
  boot ??= (() => {
    try {
      return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    } catch {
      return "";
    }
  })();
  return boot;
}
