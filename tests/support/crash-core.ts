/**
 * What every generator of real cores needs: the kernel's core pattern checked, the core a crashed process left
 * in its working folder collected as `core` (mode 0600), and the version of the node binary that ran.
 * A node of another machine runs under an `Emulator` (qemu-user, tests/support/arm64-core.ts): the core is
 * then the one qemu writes of the guest, not the kernel's.
 */
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, readdir, readFile, realpath, rename, rm, stat, writeFile } from "node:fs/promises";
import { constants } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const CORE = "core";
const META = "meta.json";

/** `/proc/sys/kernel/core_pattern`, failing with what to do when the kernel pipes cores to a program. */
export async function plainCorePattern(): Promise<string> {
  let pattern: string;
  try {
    pattern = (await readFile("/proc/sys/kernel/core_pattern", "utf8")).trim();
  } catch (error) {
    throw new Error(`needs Linux to make real cores (/proc/sys/kernel/core_pattern is unreadable): ${error}`);
  }
  if (pattern.startsWith("|")) throw coreMissing(pattern, "the kernel pipes cores to a program");
  return pattern;
}

/**
 * A program that runs binaries of another machine: qemu-user, as `command` (the emulator and its options,
 * before the binary and its arguments).
 */
export interface Emulator {
  /** The guest's machine as `uname -m` names it: `aarch64`. */
  machine: string;
  /** E.g. `["/usr/bin/qemu-aarch64-static", "-L", "/usr/aarch64-linux-gnu"]`. */
  command: readonly string[];
}

/**
 * Finds the core the kernel wrote into `dir` (`core`, `core.<pid>`, or any other `core*`) as `dir/core`.
 * Under an emulator, the guest's core that qemu wrote (`qemu_<program>_<date>_<pid>.core`) instead; the
 * kernel's core of qemu itself (an x86-64 core of the emulator, which qemu 7.2 also leaves) is removed.
 */
export async function collectCore(
  dir: string,
  pid: number,
  corePattern: string,
  emulator?: Emulator,
): Promise<string> {
  if (emulator) return collectEmulatedCore(dir, pid);
  const names = (await readdir(dir)).filter((name) => name.startsWith(CORE));
  const found = [CORE, `${CORE}.${pid}`].find((name) => names.includes(name)) ?? names[0];
  if (!found) throw coreMissing(corePattern, `no core file appeared in ${dir}`);
  const core = join(dir, CORE);
  if (found !== CORE) await rename(join(dir, found), core);
  await chmod(core, 0o600);
  return core;
}

async function collectEmulatedCore(dir: string, pid: number): Promise<string> {
  const names = await readdir(dir);
  const guest =
    names.find((name) => name.startsWith("qemu_") && name.endsWith(`_${pid}.core`)) ??
    names.find((name) => name.startsWith("qemu_") && name.endsWith(".core"));
  if (!guest)
    throw new Error(
      `cannot get the emulated process's core: qemu wrote no qemu_*.core into ${dir} (files: ${names.join(", ")}). qemu-user writes one when the core size limit allows it (ulimit -c).`,
    );
  for (const name of names)
    if (name === CORE || name === `${CORE}.${pid}`) await rm(join(dir, name), { force: true });
  const core = join(dir, CORE);
  await rename(join(dir, guest), core);
  await chmod(core, 0o600);
  return core;
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

/** `process.version` of the node binary at `node` (a resolved path), e.g. `v20.20.2`; under `emulator` if given. */
export async function versionOf(node: string, emulator?: Emulator): Promise<string> {
  if (!emulator && node === (await realpath(process.execPath))) return process.version;
  const [program, ...args] = emulator ? [...emulator.command, node, "--version"] : [node, "--version"];
  const { stdout } = await promisify(execFile)(program as string, args, { env: { PATH: process.env.PATH } });
  const version = stdout.trim();
  if (!/^v\d+\.\d+\.\d+/.test(version)) throw new Error(`${node} --version printed ${stdout}`);
  return version;
}

/** The first 12 hex digits of the sha256 of `data`: what cache entries of a script are keyed by. */
export function shortHash(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex").slice(0, 12);
}

export type Crash = { pid: number; signal: number; stdout: string; stderr: string };

export interface CrashRun {
  node: string;
  args: readonly string[];
  cwd: string;
  /** Added to a bare PATH: nothing else of the test's environment reaches the process. */
  env?: Record<string, string>;
  timeoutMs: number;
  /** Runs `node` (a binary of another machine) under this emulator. */
  emulator?: Emulator;
  /** Called with all of stdout so far, each time more arrives. */
  onStdout?: (stdout: string) => void;
}

/** Runs node under `ulimit -c unlimited` until it dies of a signal; fails if it exits or outlives the timeout. */
export function runToCrash(run: CrashRun): Promise<Crash> {
  return new Promise((resolve, reject) => {
    const command = [...(run.emulator?.command ?? []), run.node, ...run.args];
    const child = spawn("bash", ["-c", 'ulimit -c unlimited; exec "$@"', "bash", ...command], {
      cwd: run.cwd,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...run.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${run.args.join(" ")} did not die within ${run.timeoutMs} ms\n${stderr}`));
    }, run.timeoutMs);
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      run.onStdout?.(stdout);
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signalName) => {
      clearTimeout(timer);
      const pid = child.pid;
      const signal = signalName ? constants.signals[signalName] : undefined;
      if (pid === undefined || signal === undefined) {
        const how = signalName ?? `exit code ${code}`;
        reject(
          new Error(`expected ${run.args.join(" ")} to die of a signal, it ended with ${how}\n${stderr}`),
        );
        return;
      }
      resolve({ pid, signal, stdout, stderr });
    });
  });
}

type Bookkeeping = { coreSize: number; createdAt: string; generationMs: number };

/** Writes `<stage>/meta.json`: `fields`, plus the size of `<stage>/core` (what `readCoreEntry` checks). */
export async function writeCoreMeta(stage: string, fields: object, startedAt: number): Promise<void> {
  const bookkeeping: Bookkeeping = {
    coreSize: (await stat(join(stage, CORE))).size,
    createdAt: new Date().toISOString(),
    generationMs: Math.round(performance.now() - startedAt),
  };
  await writeFile(join(stage, META), `${JSON.stringify({ ...fields, ...bookkeeping }, null, 2)}\n`);
}

/**
 * The fields `writeCoreMeta` wrote and the core's path; `undefined` when the entry is incomplete: no
 * meta.json, a core of another size, or a missing one of `alsoNeeded` (other files of the entry).
 */
export async function readCoreEntry<T>(
  entry: string,
  alsoNeeded: readonly string[] = [],
): Promise<(T & { core: string }) | undefined> {
  let meta: T & Bookkeeping;
  try {
    meta = JSON.parse(await readFile(join(entry, META), "utf8")) as T & Bookkeeping;
    if ((await stat(join(entry, CORE))).size !== meta.coreSize) return undefined;
    for (const file of alsoNeeded) await stat(join(entry, file));
  } catch {
    return undefined;
  }
  const { coreSize: _size, createdAt: _created, generationMs: _ms, ...fields } = meta;
  return { ...(fields as T), core: join(entry, CORE) };
}
