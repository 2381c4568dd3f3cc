import { readdir } from "node:fs/promises";
import path from "node:path";
import { which } from "../debuggers/which.js";
import { ExpectedError } from "../errors.js";
import type { Settings } from "../settings.js";

/** A core of a running process, taken by gdb's gcore: the process goes on running. */
export async function takeCore(pid: number, folder: string, settings: Settings): Promise<string> {
  const gcore = which(settings.gcore, settings.path);
  if (!gcore) throw new ExpectedError("gcore is not installed: `apt-get install gdb` (it ships gcore)");
  const prefix = path.join(folder, "core");
  const { execa } = await import("execa");
  const result = await execa(gcore, ["-o", prefix, String(pid)], {
    reject: false,
    all: true,
    stdin: "ignore",
  });
  const written = (await readdir(folder)).find((name) => name === `core.${pid}`);
  if (result.exitCode !== 0 || !written) {
    const why = (result.all ?? "").split("\n").find((line) => /ptrace|permitted|No such process/i.test(line));
    throw new ExpectedError(
      `gcore could not take a core of process ${pid}${why ? `: ${why.trim()}` : ""} (it needs ptrace: run as the process's user or with CAP_SYS_PTRACE)`,
    );
  }
  return path.join(folder, written);
}
