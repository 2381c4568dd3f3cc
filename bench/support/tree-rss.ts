/**
 * Peak memory of a process and all it starts (a debugger, its server), as a cgroup's limit counts it: the
 * resident sets of the whole tree summed, sampled from /proc every few milliseconds. GNU time
 * (bench/support/peak-rss.ts) gives the largest single process only, which undercounts a report that runs
 * lldb beside node. A sample can miss a peak shorter than its interval: the figure is a floor.
 */
import { spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import type { Command } from "../timing.js";

const PAGE = 4096;

export interface TreeRun {
  seconds: number;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** The largest sum of the tree's resident sets seen, in bytes. */
  peakBytes: number;
}

/** Runs `command`, sampling its tree's memory every `intervalMs` until it exits. */
export async function treePeakRss(command: Command, intervalMs = 20): Promise<TreeRun> {
  const started = performance.now();
  const child = spawn(command.program, command.args, { env: command.env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  let ended = false;
  const exit = new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      ended = true;
      resolve(code);
    });
  });
  let peakBytes = 0;
  const root = child.pid;
  while (!ended && root !== undefined) {
    peakBytes = Math.max(peakBytes, await treeBytes(root));
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const exitCode = await exit;
  return { seconds: (performance.now() - started) / 1000, exitCode, stdout, stderr, peakBytes };
}

/** The summed resident sets of `root` and its descendants now. */
async function treeBytes(root: number): Promise<number> {
  const parents = new Map<number, number>();
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, "utf8").catch(() => "");
    // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so read after its last `)`.
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (Number.isInteger(ppid)) parents.set(Number(name), ppid);
  }
  const inTree = (pid: number): boolean => {
    for (let at: number | undefined = pid, hops = 0; at !== undefined && hops < 64; hops++) {
      if (at === root) return true;
      at = parents.get(at);
    }
    return false;
  };
  let bytes = 0;
  for (const pid of parents.keys()) {
    if (!inTree(pid)) continue;
    const statm = await readFile(`/proc/${pid}/statm`, "utf8").catch(() => "");
    bytes += (Number(statm.split(" ")[1]) || 0) * PAGE;
  }
  return bytes;
}
