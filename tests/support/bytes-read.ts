import { readFile } from "node:fs/promises";

/** Bytes this process has read so far through read system calls (rchar of /proc/self/io, all threads). */
async function bytesReadSoFar(): Promise<number> {
  const io = await readFile("/proc/self/io", "utf8");
  const match = /^rchar: (\d+)$/m.exec(io);
  if (!match) throw new Error(`no rchar in /proc/self/io:\n${io}`);
  return Number(match[1]);
}

/**
 * What `work` read from files, sockets and pipes, as the kernel counts it: a test asserts what was read
 * (no memory scan, no download), never how long it took. The test should not run other work meanwhile.
 */
export async function bytesReadBy<T>(work: () => Promise<T>): Promise<{ result: T; bytes: number }> {
  const before = await bytesReadSoFar();
  const result = await work();
  const after = await bytesReadSoFar();
  // The second look at /proc/self/io reads a few hundred bytes itself.
  return { result, bytes: after - before };
}
