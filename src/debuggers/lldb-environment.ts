import { existsSync, readdirSync } from "node:fs";
import path from "node:path";

/**
 * Debian's lldb-N looks for its Python module where it does not live, and prints a traceback on every
 * start. Pointing PYTHONPATH at the module silences it; a PYTHONPATH the user set is left alone.
 */
export function lldbEnvironment(lldb: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env.PYTHONPATH) return env;
  const major = /lldb-(\d+)/.exec(path.basename(lldb))?.[1] ?? newestLlvm();
  if (!major) return env;
  const lib = `/usr/lib/llvm-${major}/lib`;
  const python = existsSync(lib) ? readdirSync(lib).find((name) => /^python3\.\d+$/.test(name)) : undefined;
  const packages = python ? path.join(lib, python, "dist-packages") : undefined;
  return packages && existsSync(path.join(packages, "lldb")) ? { ...env, PYTHONPATH: packages } : env;
}

function newestLlvm(): string | undefined {
  if (!existsSync("/usr/lib")) return undefined;
  const versions = readdirSync("/usr/lib")
    .map((name) => /^llvm-(\d+)$/.exec(name)?.[1])
    .filter((version): version is string => version !== undefined)
    .sort((a, b) => Number(b) - Number(a));
  return versions[0];
}
