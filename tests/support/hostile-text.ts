/**
 * For the hostile-text tests: dumps whose container logs are real Node crash logs (crash-logs.ts), edited
 * or padded by the test, laid out in a `/cores`-like folder; and the CLI run under a kill timeout, a
 * ceiling against a hang (minutes), never a measure of speed.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { type CliResult, cliEnvironment, coredumpBinary } from "./cli.js";
import { type CrashLog, realCrashLogs } from "./crash-logs.js";
import { type DumpSpec, defaultSpec, writeToDirectory, zipDump } from "./handler-layout.js";

/** Far more than any run of a bounded command takes on a loaded machine; a hang runs into it. */
export const HANG_CEILING_MS = 5 * 60_000;

/** The CLI's result, or `timedOut` when it was killed at `ceilingMs`. */
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

/** The real log of the death `name` (`uncaught-abort-a` …) under the official Node `version`. */
export async function realLog(name: string, version = "22.22.0"): Promise<CrashLog> {
  const log = (await realCrashLogs(version)).find((item) => item.name === name);
  if (!log) throw new Error(`no crash log ${name}`);
  return log;
}

/** A zip dump (placeholder core) whose one container printed `log`. */
export function dumpWithLog(log: string, overrides: Partial<DumpSpec> = {}): DumpSpec {
  return defaultSpec({ containers: [{ name: "app", log }], ...overrides });
}

/** A fresh folder holding these dumps, as `--dir` reads it. */
export async function folderOf(specs: readonly DumpSpec[]): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), "coredump-hostile-text-"));
  for (const spec of specs) await writeToDirectory(zipDump(spec), folder);
  return folder;
}

/** `text` repeated to `bytes` characters (whole repeats). */
export function padding(text: string, bytes: number): string {
  return text.repeat(Math.max(1, Math.floor(bytes / text.length)));
}
