import path from "node:path";
import { execa } from "execa";
import { repoRoot } from "./repo-root.js";
import { temporaryFolder } from "./temp-folders.js";

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `coredump` executable as a user would, without a terminal. Unless given, the cache is a
 * fresh folder of the test's own and no S3 variable leaks in from the test's environment.
 */
export async function coredump(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  const result = await coredumpProcess(args, env);
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** The running process, for tests that signal it or talk to it while it runs. */
export function coredumpProcess(args: readonly string[], env: Record<string, string | undefined> = {}) {
  return execa(process.execPath, [coredumpBinary(), ...args], {
    env: cliEnvironment(env),
    extendEnv: false,
    reject: false,
    stdin: "ignore",
  });
}

/** Far more than any run of a bounded command takes on a loaded machine: a hang (a hostile input's) runs into it. */
export const HANG_CEILING_MS = 5 * 60_000;

/** `coredump`, stopped after `ceilingMs` milliseconds; `timedOut` says whether it was. Never a performance claim. */
export async function coredumpWithin(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  ceilingMs = HANG_CEILING_MS,
): Promise<CliResult & { timedOut: boolean }> {
  const result = await execa(process.execPath, [coredumpBinary(), ...args], {
    env: cliEnvironment(env),
    extendEnv: false,
    reject: false,
    stdin: "ignore",
    timeout: ceilingMs,
  });
  return {
    exitCode: result.exitCode ?? -1,
    stdout: result.stdout,
    stderr: result.stderr,
    timedOut: result.timedOut,
  };
}

/** `VERB ID --dir DIR --workdir WORKDIR --binary NODE`: a verb on one dump of a folder store, with its node. */
export function onDumpArgs(
  verb: string,
  id: string,
  where: { dir: string; workdir: string; node: string },
): string[] {
  return [verb, id, "--dir", where.dir, "--workdir", where.workdir, "--binary", where.node];
}

export function coredumpBinary(): string {
  return path.join(repoRoot(), "bin", "coredump.js");
}

/** The test's environment without S3 variables, colour off, a fresh cache, then `env`. */
export function cliEnvironment(env: Record<string, string | undefined> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(S3_|AWS_(?!CA_BUNDLE))/.test(name)),
  );
  return {
    ...clean,
    NO_COLOR: "1",
    ...(env.XDG_CACHE_HOME ? {} : { XDG_CACHE_HOME: freshCacheHome() }),
    ...env,
  };
}

/** A cache folder of its own (removed when the test process exits). */
export function freshCacheHome(): string {
  return temporaryFolder("coredump-cache-");
}

/** Parses stdout as JSON, failing the test with both streams shown when it is not. */
export function json<T = unknown>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(
      `stdout is not JSON (exit ${result.exitCode}):\n${result.stdout}\nstderr:\n${result.stderr}`,
    );
  }
}
