import { execFile } from "node:child_process";
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "./repo-root.js";

const run = promisify(execFile);

/** A real core of a small C program that writes through NULL (SIGSEGV), built by the test with gcc. */
export async function nativeCore(): Promise<{ executable: string; core: string }> {
  const folder = await mkdtemp(path.join(tmpdir(), "coredump-native-"));
  const executable = path.join(folder, "crasher");
  await run("gcc", [
    "-g",
    "-O0",
    "-o",
    executable,
    path.join(repoRoot(), "tests", "fixtures", "native-crash", "crasher.c"),
  ]);
  await run("bash", ["-c", 'ulimit -c unlimited; cd "$1" && ("$2"; true)', "bash", folder, executable]).catch(
    () => undefined,
  );
  const core = (await readdir(folder)).find((name) => name === "core" || name.startsWith("core."));
  if (!core) throw new Error(`no core in ${folder}: is /proc/sys/kernel/core_pattern "core"?`);
  return { executable, core: path.join(folder, core) };
}
