/**
 * Real cores made by the tests, generated once and cached under `<repo>/.cache/fixtures/<entry>/` as `core`
 * and `meta.json` (plus whatever the generator leaves). Each is made in a fresh staging folder beside the
 * cache entry and published with one rename, so that concurrent test processes never see (or clobber) a
 * half-written entry.
 */
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "./repo-root.js";

export const CORE = "core";
const META = "meta.json";

/** What every entry's meta.json holds, beside the generator's own fields. */
export interface EntryMeta {
  coreSize: number;
  createdAt: string;
  generationMs: number;
}

/**
 * The cache entry `name`, made by `generate(stage)` when missing or broken: `generate` leaves `core` in the
 * stage folder (mode 0600) and returns the fields of meta.json.
 */
export async function cachedEntry<M extends object>(
  name: string,
  generate: (stage: string) => Promise<M>,
): Promise<{ dir: string; meta: M & EntryMeta }> {
  const fixtures = join(repoRoot(), ".cache", "fixtures");
  const entry = join(fixtures, name);
  const cached = await readEntry<M>(entry);
  if (cached) return { dir: entry, meta: cached };
  await mkdir(fixtures, { recursive: true });
  if ((await clearBrokenEntry<M>(entry, fixtures)) === "clear") {
    const stage = join(fixtures, `.stage-${process.pid}-${randomBytes(4).toString("hex")}`);
    await mkdir(stage, { mode: 0o700 });
    try {
      const started = performance.now();
      const fields = await generate(stage);
      const meta = {
        ...fields,
        coreSize: (await stat(join(stage, CORE))).size,
        createdAt: new Date().toISOString(),
        generationMs: Math.round(performance.now() - started),
      };
      await writeFile(join(stage, META), `${JSON.stringify(meta, null, 2)}\n`);
      await publish(stage, entry);
    } finally {
      await rm(stage, { recursive: true, force: true });
    }
  }
  // Either ours or that of a concurrent process that published first.
  const fresh = await readEntry<M>(entry);
  if (!fresh) throw new Error(`core cache: entry ${entry} is incomplete right after it was written`);
  return { dir: entry, meta: fresh };
}

async function readEntry<M>(entry: string): Promise<(M & EntryMeta) | undefined> {
  try {
    const meta = JSON.parse(await readFile(join(entry, META), "utf8")) as M & EntryMeta;
    if ((await stat(join(entry, CORE))).size !== meta.coreSize) return undefined;
    return meta;
  } catch {
    return undefined;
  }
}

/** Renames `stage` to `entry`; if another process got there first, keeps theirs. */
async function publish(stage: string, entry: string) {
  try {
    await rename(stage, entry);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
  }
}

/**
 * Moves a broken entry (a core deleted by hand, an older meta.json) out of the way. Published entries are
 * never modified, so one that is invalid now stays invalid, unless a concurrent process replaced it in the
 * meantime: check again right before.
 */
async function clearBrokenEntry<M>(entry: string, fixtures: string): Promise<"valid" | "clear"> {
  if (await readEntry<M>(entry)) return "valid";
  const trash = join(fixtures, `.trash-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    await rename(entry, trash);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "clear";
    throw error;
  }
  await rm(trash, { recursive: true, force: true });
  return "clear";
}

/** Finds the core the kernel wrote into `dir` (`core`, `core.<pid>`, or any other `core*`) as `dir/core`. */
export async function collectCore(dir: string, pid: number): Promise<string> {
  const corePattern = await readCorePattern();
  const names = (await readdir(dir)).filter((name) => name.startsWith(CORE));
  const found = [CORE, `${CORE}.${pid}`].find((name) => names.includes(name)) ?? names[0];
  if (!found) throw coreMissing(corePattern, `no core file appeared in ${dir}`);
  const core = join(dir, CORE);
  if (found !== CORE) await rename(join(dir, found), core);
  await chmod(core, 0o600);
  return core;
}

/** Fails early, with what to do, where the kernel would not write a core file into the working folder. */
export async function ensureCoreFiles(): Promise<void> {
  const corePattern = await readCorePattern();
  if (corePattern.startsWith("|")) throw coreMissing(corePattern, "the kernel pipes cores to a program");
}

function coreMissing(corePattern: string, what: string): Error {
  return new Error(
    [
      `cannot get a core file: ${what}.`,
      `/proc/sys/kernel/core_pattern is ${JSON.stringify(corePattern)}.`,
      "These tests need the kernel to write cores as plain files into the crashing process's working",
      "directory: core_pattern must be `core` (or `core.%p`), not a pipe (`|/usr/lib/systemd/systemd-coredump`,",
      "apport, core-dump-handler's composer) and not an absolute path. Fix it as root with",
      "`sysctl -w kernel.core_pattern=core` (in a container: on the host, core_pattern is not namespaced).",
      "The core size limit must allow it too: `ulimit -Hc` should print `unlimited`, and nothing between",
      "this process and node (a wrapper script, a container runtime) may lower it.",
    ].join("\n"),
  );
}

async function readCorePattern(): Promise<string> {
  try {
    return (await readFile("/proc/sys/kernel/core_pattern", "utf8")).trim();
  } catch (error) {
    throw new Error(`needs Linux (/proc/sys/kernel/core_pattern is unreadable): ${error}`);
  }
}

/** `process.version` of a node binary (`v20.20.2`). */
export async function versionOf(node: string): Promise<string> {
  if (node === (await realpath(process.execPath))) return process.version;
  const { stdout } = await promisify(execFile)(node, ["--version"], { env: { PATH: process.env.PATH } });
  const version = stdout.trim();
  if (!/^v\d+\.\d+\.\d+/.test(version)) throw new Error(`${node} --version printed ${stdout}`);
  return version;
}

export function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}
