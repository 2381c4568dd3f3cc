/**
 * Real container logs of real Node deaths: tests/fixtures/crash-log-app/app.js run by an official Node
 * build, once per kind of death, its stdout and stderr in one file in the order written, as
 * `crictl logs` keeps them. No cores (`ulimit -c 0`): the logs are what is wanted, and they are small.
 *
 * Cached per (node version, app.js content) as `<repo>/.cache/fixtures/crash-logs-<version>-<hash>.json`,
 * written beside and renamed into place, so that concurrent test processes never read half a file.
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, open, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoised } from "./memo.js";
import { officialNode } from "./node-builds.js";
import { repoRoot } from "./repo-root.js";

/** One death: how the app was run, and what it printed. */
export interface CrashLog {
  /** The kind `report` and `groups` should name. */
  kind: "uncaught-exception" | "unhandled-rejection" | "out-of-memory" | "abort" | "native-fault";
  /** A label for test messages: `uncaught-abort-a`, `oom` … */
  name: string;
  /** Which error the listener threw: `a` (not a function) or `b` (property of undefined). */
  variant: "a" | "b";
  /** Lines added at the top of app.js, as a redeploy moves the code. */
  shift: number;
  /** The signal the process died of: `SIGTRAP`, `SIGABRT`, `SIGSEGV` … */
  signalName: string;
  log: string;
  nodeVersion: string;
}

interface Run {
  name: string;
  kind: CrashLog["kind"];
  args: string[];
  variant: "a" | "b";
  shift: number;
}

const RUNS: Run[] = [
  {
    name: "uncaught-abort-a",
    kind: "uncaught-exception",
    args: ["--abort-on-uncaught-exception"],
    variant: "a",
    shift: 0,
  },
  {
    name: "uncaught-abort-a-moved",
    kind: "uncaught-exception",
    args: ["--abort-on-uncaught-exception"],
    variant: "a",
    shift: 3,
  },
  {
    name: "uncaught-abort-b",
    kind: "uncaught-exception",
    args: ["--abort-on-uncaught-exception"],
    variant: "b",
    shift: 0,
  },
  { name: "uncaught-plain-a", kind: "uncaught-exception", args: [], variant: "a", shift: 0 },
  {
    name: "rejection-a",
    kind: "unhandled-rejection",
    args: ["--abort-on-uncaught-exception"],
    variant: "a",
    shift: 0,
  },
  {
    name: "rejection-a-moved",
    kind: "unhandled-rejection",
    args: ["--abort-on-uncaught-exception"],
    variant: "a",
    shift: 5,
  },
  { name: "oom", kind: "out-of-memory", args: ["--max-old-space-size=16"], variant: "a", shift: 0 },
  { name: "abort", kind: "abort", args: [], variant: "a", shift: 0 },
  { name: "segv", kind: "native-fault", args: [], variant: "a", shift: 0 },
];

const APP = join("tests", "fixtures", "crash-log-app", "app.js");
const TIMEOUT_MS = 60_000;

const obtainOnce = memoised(obtain);

/** The logs of every kind of death under the official Node `version` (`22.22.0`). */
export function realCrashLogs(version: string): Promise<CrashLog[]> {
  return obtainOnce(version);
}

async function obtain(version: string): Promise<CrashLog[]> {
  const app = await readFile(join(repoRoot(), APP), "utf8");
  const hash = createHash("sha256").update(app).update(JSON.stringify(RUNS)).digest("hex").slice(0, 12);
  const fixtures = join(repoRoot(), ".cache", "fixtures");
  const file = join(fixtures, `crash-logs-${version}-${hash}.json`);
  try {
    return JSON.parse(await readFile(file, "utf8")) as CrashLog[];
  } catch {
    // Not made yet.
  }
  const node = await officialNode(version);
  const logs: CrashLog[] = [];
  // Every run in one folder: the same script path, as one image's /app is in every pod.
  const root = await mkdtemp(join(tmpdir(), "coredump-crash-log-"));
  try {
    for (const run of RUNS) logs.push(await crash(node, version, app, run, root));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  await mkdir(fixtures, { recursive: true });
  const partial = `${file}.${process.pid}-${randomBytes(4).toString("hex")}.partial`;
  await writeFile(partial, JSON.stringify(logs));
  await rename(partial, file);
  return logs;
}

/** Runs app.js (moved down by `shift` lines) in `<root>/app`, as a container's /app would be. */
async function crash(
  node: string,
  nodeVersion: string,
  app: string,
  run: Run,
  root: string,
): Promise<CrashLog> {
  const folder = join(root, "app");
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, "app.js"), `${"// redeployed\n".repeat(run.shift)}${app}`);
  await writeFile(join(folder, "package.json"), '{ "type": "commonjs" }\n');
  const output = join(root, `${run.name}.log`);
  const handle = await open(output, "w");
  const signalName = await new Promise<string>((resolve, reject) => {
    const child = spawn(
      "bash",
      ["-c", 'ulimit -c 0; exec "$@"', "bash", node, ...run.args, "app.js", kindArgument(run), run.variant],
      {
        cwd: folder,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
        stdio: ["ignore", handle.fd, handle.fd],
      },
    );
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve(signal ?? `exit ${code}`);
    });
  }).finally(() => handle.close());
  const log = await readFile(output, "utf8");
  return {
    kind: run.kind,
    name: run.name,
    variant: run.variant,
    shift: run.shift,
    signalName,
    log,
    nodeVersion,
  };
}

function kindArgument(run: Run): string {
  return {
    "uncaught-exception": "uncaught",
    "unhandled-rejection": "rejection",
    "out-of-memory": "oom",
    abort: "abort",
    "native-fault": "segv",
  }[run.kind];
}
