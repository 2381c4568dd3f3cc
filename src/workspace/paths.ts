import { homedir } from "node:os";
import path from "node:path";

/** `$XDG_CACHE_HOME/coredump`, else `~/.cache/coredump`. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)
      ? env.XDG_CACHE_HOME
      : path.join(homedir(), ".cache");
  return path.join(base, "coredump");
}
