/**
 * For tests of what a user cannot do: the one line on stderr that says so, and the places (a read-only
 * mount, another user) that make a path unwritable.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { execa } from "execa";
import { type CliResult, cliEnvironment, coredumpBinary } from "./cli.js";

/** One line on stderr that says what to do: no errno dump, no stack trace. */
export function assertOneLine(result: CliResult, pattern: RegExp, exitCode = 1): void {
  assert.equal(result.exitCode, exitCode, result.stderr);
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0] as string, pattern);
}

/** Whether this machine lets the tests mount a read-only tmpfs in a mount namespace of their own. */
export const canUnshare =
  spawnSync("unshare", ["-m", "true"], { stdio: "ignore" }).status === 0 &&
  spawnSync("sh", ["-c", "command -v mount"], { stdio: "ignore" }).status === 0;

export const isRoot = process.getuid?.() === 0;

/** Runs coredump with `dir` made a read-only tmpfs, for it only. */
export async function withReadOnly(dir: string, args: readonly string[], env = {}): Promise<CliResult> {
  const command = `mount -t tmpfs -o ro tmpfs "$0" && exec "$@"`;
  const result = await execa(
    "unshare",
    ["-m", "sh", "-c", command, dir, process.execPath, coredumpBinary(), ...args],
    {
      env: cliEnvironment(env),
      extendEnv: false,
      reject: false,
      stdin: "ignore",
    },
  );
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs coredump as the user nobody (65534), with no groups: for a path that user may not write. */
export async function asNobody(args: readonly string[], env = {}): Promise<CliResult> {
  const result = await execa(
    "setpriv",
    ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, coredumpBinary(), ...args],
    { env: cliEnvironment(env), extendEnv: false, reject: false, stdin: "ignore" },
  );
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}
