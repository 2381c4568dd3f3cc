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
import { spawn } from "node:child_process";
import { readFile, realpath, writeFile } from "node:fs/promises";
import { get } from "node:http";
import { constants } from "node:os";
import { join } from "node:path";
import { cachedEntry, collectCore, ensureCoreFiles, sha256, versionOf } from "./core-cache.js";
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

type Meta = Omit<RealCore, "core" | "script">;

const SCRIPT = "server.js";
const RUN_TIMEOUT_MS = 60_000;

const obtainOnce = memoised(obtain);

/** Returns the cached core for this node binary, generating it on first use. */
export function realCore(options: { node?: string } = {}): Promise<RealCore> {
  return obtainOnce(options.node ?? process.execPath);
}

async function obtain(requestedNode: string): Promise<RealCore> {
  const node = await realpath(requestedNode);
  const script = await readFile(join(repoRoot(), "tests", "fixtures", "crash-app", SCRIPT));
  const nodeVersion = await versionOf(node);
  const name = `core-${nodeVersion}-${sha256(script).slice(0, 12)}`;
  const { dir, meta } = await cachedEntry<Meta>(name, (stage) => generate(node, nodeVersion, script, stage));
  const { coreSize: _size, createdAt: _created, generationMs: _ms, ...rest } = meta;
  return { ...rest, core: join(dir, "core"), script: join(dir, SCRIPT) };
}

/** Runs the app in the staging directory: its core and script stay there, and meta.json is made of the rest. */
async function generate(node: string, nodeVersion: string, script: Buffer, stage: string): Promise<Meta> {
  await ensureCoreFiles();
  await writeFile(join(stage, SCRIPT), script);
  // The stage is inside this package, whose package.json says "type": "module": the app is CommonJS.
  await writeFile(join(stage, "package.json"), '{ "type": "commonjs" }\n');
  const crash = await crashApp(node, stage);
  if (!crash.stderr.includes("not_a_function")) {
    throw new Error(
      `realCore: the crash app died of signal ${crash.signal}, not of its TypeError:\n${crash.stderr}`,
    );
  }
  await collectCore(stage, crash.pid);
  return {
    node,
    nodeVersion,
    pid: crash.pid,
    signal: crash.signal,
    scriptAsRun: join(stage, SCRIPT),
    stderr: crash.stderr,
  };
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
