/**
 * A real core of a real crashing Node process: the core-dump-handler tutorial app
 * (tests/fixtures/crash-app/server.js) run with --abort-on-uncaught-exception and sent one request.
 *
 * Generated once per (node version, server.js content) and cached under
 * `<repo>/.cache/fixtures/core-<node version>-<sha256(server.js), 12 hex>/` as `core`, `server.js` and
 * `meta.json` (tests/support/script-core.ts: made in a staging folder, published by one rename).
 * Two binaries of one version share an entry: `node` says which one ran (official builds are identical).
 * With an `emulator`, `node` is a binary of another machine run under qemu-user, cached as
 * `core-<machine>-<node version>-…` (tests/support/arm64-core.ts).
 */
import { get } from "node:http";
import { join } from "node:path";
import { type Crash, type Emulator, runToCrash } from "./crash-core.js";
import { memoised } from "./memo.js";
import { scriptCore } from "./script-core.js";

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

const SCRIPT = "server.js";
const RUN_TIMEOUT_MS = 60_000;

const obtainOnce = memoised(obtain);

/** Returns the cached core for this node binary (run under `emulator` if given), generating it on first use. */
export function realCore(options: { node?: string; emulator?: Emulator } = {}): Promise<RealCore> {
  return obtainOnce(JSON.stringify([options.node ?? process.execPath, options.emulator ?? null]));
}

async function obtain(key: string): Promise<RealCore> {
  const [node, emulator] = JSON.parse(key) as [string, Emulator | null];
  const { entry, ...made } = await scriptCore({
    prefix: "core",
    script: join("tests", "fixtures", "crash-app", SCRIPT),
    node,
    emulator: emulator ?? undefined,
    crash: (binary, _script, cwd) => crashApp(binary, cwd, emulator ?? undefined),
    fields: (crash, cwd) => {
      if (!crash.stderr.includes("not_a_function"))
        throw new Error(
          `realCore: the crash app died of signal ${crash.signal}, not of its TypeError:\n${crash.stderr}`,
        );
      return { stderr: crash.stderr, scriptAsRun: join(cwd, SCRIPT) };
    },
  });
  return { ...made, script: join(entry, SCRIPT) };
}

/** Starts server.js under `ulimit -c unlimited`, sends it one request and waits for it to die. */
function crashApp(node: string, cwd: string, emulator?: Emulator): Promise<Crash> {
  let requested = false;
  return runToCrash({
    node,
    emulator,
    args: ["--abort-on-uncaught-exception", SCRIPT],
    cwd,
    env: { PORT: "0" },
    // qemu-user translates every instruction first: start-up and the core's writing take a few times longer.
    timeoutMs: emulator ? 4 * RUN_TIMEOUT_MS : RUN_TIMEOUT_MS,
    onStdout: (stdout) => {
      const port = /^(\d+)\n/.exec(stdout)?.[1];
      if (port && !requested) {
        requested = true;
        sendOneRequest(Number(port));
      }
    },
  });
}

/** The app aborts inside the request listener, so the request itself always fails: ignore it. */
function sendOneRequest(port: number) {
  const request = get({ host: "127.0.0.1", port, path: "/", agent: false }, (response) => response.resume());
  request.on("error", () => {});
}
