import { mkdir, stat } from "node:fs/promises";
import path from "node:path";

/**
 * `mkdir -p`, one level at a time. Node's own `mkdir(…, { recursive: true })` never returns on some
 * file systems that refuse new entries with an unusual answer (under /proc it spins at full CPU
 * forever); one plain mkdir per missing level fails with that level's error instead.
 */
export async function makeFolders(dir: string, mode = 0o777): Promise<void> {
  const missing: string[] = [];
  let level = path.resolve(dir);
  for (;;) {
    try {
      await mkdir(level, { mode });
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EEXIST") break;
      const parent = path.dirname(level);
      if (code !== "ENOENT" || parent === level || missing.length > 4096) throw error;
      missing.push(level);
      level = parent;
    }
  }
  for (const each of missing.reverse()) {
    try {
      await mkdir(each, { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  if (!(await stat(dir)).isDirectory()) {
    throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), {
      code: "ENOTDIR",
      path: dir,
    });
  }
}
