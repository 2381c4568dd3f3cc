/**
 * A real core of a real crashing Node process: the core-dump-handler tutorial app
 * (tests/fixtures/crash-app/server.js) run with --abort-on-uncaught-exception and sent one request.
 *
 * Generated once per (node version, server.js content) and cached under
 * `<repo>/.cache/fixtures/core-<node version>-<sha256(server.js), 12 hex>/` as `core`, `server.js` and
 * `meta.json`. The run happens in a fresh staging directory beside the cache entry, which is renamed into
 * place when complete, so concurrent test processes never see (or clobber) a half-written entry.
 * Two binaries of one version share an entry: `node` says which one ran (official builds are identical).
 */
import { execFile, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile } from "node:fs/promises";
import { get } from "node:http";
import { constants } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { memoised } from "./memo.js";
import { repoRoot } from "./repo-root.js";

export type RealCore = {
  /** Path of the ELF core file (mode 0600, sparse). */
  core: string;
  /** Path of the node binary that ran and crashed (resolved through symlinks). */
  node: string;
  /** `process.version` of that binary, e.g. `v20.20.2`. */
  nodeVersion: string;
  pid: number;
  /** Number of the signal that killed it: SIGTRAP (5) on Node 20; SIGABRT (6) or SIGILL (4) elsewhere. */
  signal: number;
  /** Path of a copy of the script that ran (byte-identical), inside the cache entry. */
  script: string;
  /**
   * The script's path as the crashed process saw it: what the core and `stderr` mention. That directory was
   * the staging directory and has since been renamed, so this file no longer exists.
   */
  scriptAsRun: string;
  /** What V8 printed before aborting: the uncaught exception and its stack. */
  stderr: string;
};

type Meta = Omit<RealCore, "core" | "script"> & { coreSize: number; createdAt: string; generationMs: number };

const SCRIPT = "server.js";
const CORE = "core";
const META = "meta.json";
const RUN_TIMEOUT_MS = 60_000;

const obtainOnce = memoised(obtain);

/** Returns the cached core for this node binary, generating it on first use. */
export function realCore(options: { node?: string } = {}): Promise<RealCore> {
  return obtainOnce(options.node ?? process.execPath);
}

async function obtain(requestedNode: string): Promise<RealCore> {
  const node = await realpath(requestedNode);
  const root = repoRoot();
  const script = await readFile(join(root, "tests", "fixtures", "crash-app", SCRIPT));
  const nodeVersion = await versionOf(node);
  const fixtures = join(root, ".cache", "fixtures");
  const entry = join(fixtures, `core-${nodeVersion}-${sha256(script).slice(0, 12)}`);
  const cached = await readEntry(entry);
  if (cached) return cached;

  await mkdir(fixtures, { recursive: true });
  if ((await clearBrokenEntry(entry, fixtures)) === "clear") {
    await generate(node, nodeVersion, script, fixtures, entry);
  }
  // Either ours or that of a concurrent process that published first.
  const fresh = await readEntry(entry);
  if (!fresh) throw new Error(`realCore: cache entry ${entry} is incomplete right after it was written`);
  return fresh;
}

/** Runs the app in a staging directory, then publishes that directory as `entry` with one rename. */
async function generate(node: string, nodeVersion: string, script: Buffer, fixtures: string, entry: string) {
  const { stage, corePattern } = await stageScript(fixtures, SCRIPT, script);
  try {
    const started = performance.now();
    const crash = await crashApp(node, stage);
    if (!crash.stderr.includes("not_a_function")) {
      throw new Error(
        `realCore: the crash app died of signal ${crash.signal}, not of its TypeError:\n${crash.stderr}`,
      );
    }
    const core = await collectCore(stage, crash.pid, corePattern);
    const meta: Meta = {
      node,
      nodeVersion,
      pid: crash.pid,
      signal: crash.signal,
      scriptAsRun: join(stage, SCRIPT),
      stderr: crash.stderr,
      coreSize: (await stat(core)).size,
      createdAt: new Date().toISOString(),
      generationMs: Math.round(performance.now() - started),
    };
    await writeFile(join(stage, META), `${JSON.stringify(meta, null, 2)}\n`);
    await publish(stage, entry);
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

/**
 * A fresh staging folder beside the cache entries, holding `script` as `name`, run as CommonJS; once the
 * kernel is known to write cores as files. The caller removes it.
 */
export async function stageScript(
  fixtures: string,
  name: string,
  script: Buffer,
): Promise<{ stage: string; corePattern: string }> {
  const corePattern = await readCorePattern();
  if (corePattern.startsWith("|")) throw coreMissing(corePattern, "the kernel pipes cores to a program");
  const stage = join(fixtures, `.stage-${process.pid}-${randomBytes(4).toString("hex")}`);
  await mkdir(stage, { mode: 0o700 });
  try {
    await writeFile(join(stage, name), script);
    // The stage is inside this package, whose package.json says "type": "module": the script is CommonJS.
    await writeFile(join(stage, "package.json"), '{ "type": "commonjs" }\n');
  } catch (error) {
    await rm(stage, { recursive: true, force: true });
    throw error;
  }
  return { stage, corePattern };
}

type Crash = { pid: number; signal: number; stderr: string };

/** Starts server.js under `ulimit -c unlimited`, sends it one request and waits for it to die. */
function crashApp(node: string, cwd: string): Promise<Crash> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      "bash",
      ["-c", 'ulimit -c unlimited; exec "$@"', "bash", node, "--abort-on-uncaught-exception", SCRIPT],
      {
        cwd,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PORT: "0" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    let requested = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`realCore: the crash app did not die within ${RUN_TIMEOUT_MS} ms\n${stderr}`));
    }, RUN_TIMEOUT_MS);
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      const port = /^(\d+)\n/.exec(stdout)?.[1];
      if (port && !requested) {
        requested = true;
        sendOneRequest(Number(port));
      }
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
          new Error(`realCore: expected the crash app to die of a signal, it ended with ${how}\n${stderr}`),
        );
        return;
      }
      resolve({ pid, signal, stderr });
    });
  });
}

/** The app aborts inside the request listener, so the request itself always fails: ignore it. */
function sendOneRequest(port: number) {
  const request = get({ host: "127.0.0.1", port, path: "/", agent: false }, (response) => response.resume());
  request.on("error", () => {});
}

/** Finds the core the kernel wrote into `dir` (`core`, `core.<pid>`, or any other `core*`) as `dir/core`. */
export async function collectCore(dir: string, pid: number, corePattern: string): Promise<string> {
  const names = (await readdir(dir)).filter((name) => name.startsWith(CORE));
  const found = [CORE, `${CORE}.${pid}`].find((name) => names.includes(name)) ?? names[0];
  if (!found) throw coreMissing(corePattern, `no core file appeared in ${dir}`);
  const core = join(dir, CORE);
  if (found !== CORE) await rename(join(dir, found), core);
  await chmod(core, 0o600);
  return core;
}

function coreMissing(corePattern: string, what: string): Error {
  return new Error(
    [
      `realCore: cannot get a core file: ${what}.`,
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
    throw new Error(`realCore: needs Linux (/proc/sys/kernel/core_pattern is unreadable): ${error}`);
  }
}

/** Renames `stage` to `entry`; if another process got there first, keeps theirs. */
export async function publish(stage: string, entry: string) {
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
export async function clearBrokenEntry(
  entry: string,
  fixtures: string,
  isValid: (entry: string) => Promise<boolean> = async (at) => (await readEntry(at)) !== undefined,
): Promise<"valid" | "clear"> {
  if (await isValid(entry)) return "valid";
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

async function readEntry(entry: string): Promise<RealCore | undefined> {
  let meta: Meta;
  try {
    meta = JSON.parse(await readFile(join(entry, META), "utf8")) as Meta;
    if ((await stat(join(entry, CORE))).size !== meta.coreSize) return undefined;
  } catch {
    return undefined;
  }
  const { coreSize: _size, createdAt: _created, generationMs: _ms, ...rest } = meta;
  return { ...rest, core: join(entry, CORE), script: join(entry, SCRIPT) };
}

export async function versionOf(node: string): Promise<string> {
  if (node === (await realpath(process.execPath))) return process.version;
  const { stdout } = await promisify(execFile)(node, ["--version"], { env: { PATH: process.env.PATH } });
  const version = stdout.trim();
  if (!/^v\d+\.\d+\.\d+/.test(version)) throw new Error(`realCore: ${node} --version printed ${stdout}`);
  return version;
}

export function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}
