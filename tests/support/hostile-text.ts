/**
 * For the hostile-text tests: dumps whose container logs are real Node crash logs (crash-logs.ts), edited
 * or padded by the test, laid out in a `/cores`-like folder; and the CLI run under a kill timeout, a
 * ceiling against a hang (minutes), never a measure of speed.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

export { coredumpWithin, HANG_CEILING_MS } from "./cli.js";

import { type CrashLog, realCrashLogs } from "./crash-logs.js";
import { type DumpSpec, defaultSpec, writeToDirectory, zipDump } from "./handler-layout.js";

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
