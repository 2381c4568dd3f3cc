/**
 * Peak memory of whole processes: a command wrapped in GNU time (`/usr/bin/time -f %M`), which writes the
 * maximum resident set size of the process and its children (the largest of them, in KiB) to a file.
 */
import { readFile, rm } from "node:fs/promises";
import type { Command } from "../timing.js";

/** `command`, run under /usr/bin/time writing its peak RSS to `file`. */
export function withPeakRss(command: Command, file: string): Command {
  return {
    ...command,
    program: "/usr/bin/time",
    args: ["-f", "%M", "-o", file, command.program, ...command.args],
  };
}

/** The peak RSS that the last run wrote to `file`, in bytes; the file is removed. */
export async function readPeakRss(file: string): Promise<number> {
  const kib = Number((await readFile(file, "utf8")).trim().split("\n").at(-1));
  await rm(file, { force: true });
  if (!Number.isFinite(kib)) throw new Error(`${file} holds no peak RSS`);
  return kib * 1024;
}

/** `3.52 GB`, `812 MB`. */
export function formatBytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${Math.round(bytes / 1e6)} MB`;
}
