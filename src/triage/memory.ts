import { readFile } from "node:fs/promises";
import { totalmem } from "node:os";

/**
 * What analysing any core takes beside the core itself: node, and lldb with llnode beside it where a report
 * runs a debugger (an abort, a native fault, a fatal error), the executable's symbols. bench/triage.ts
 * measured `report` on Node 22's cores of 51 MB: up to 385 MB for node and lldb together, where 256 MiB
 * plus the core was 319 MB; an out-of-memory core of 122 MB peaked at 398 MB in node alone.
 * On a large core the heap reader's memory grows with the heap, and stays under this reserve: `report
 * --json` on the 1 GB out-of-memory core of Node 22.22.0 (core 1.21 GB, reserve 1.61 GB) peaked at 1.05 GB,
 * the whole process tree summed (`bash bench/triage.sh --only memory --work-runs 1 --large-core
 * .cache/fixtures/oom-v22.22.0-1024m-7007c0703c96`; GNU time's `%M` alone: 1.03 GB), Dec 8, 2026.
 */
export const BASE_NEED = 384 * 1024 * 1024;

/** The memory one worker may use, and where that figure came from. */
export interface MemoryLimit {
  bytes: number;
  source: string;
}

/** `--memory`, else the cgroup's limit (v2, then v1), else the machine's memory. */
export async function memoryLimit(
  flag: number | undefined,
  cgroupRoot = "/sys/fs/cgroup",
): Promise<MemoryLimit> {
  if (flag !== undefined) return { bytes: flag, source: "--memory" };
  for (const file of [`${cgroupRoot}/memory.max`, `${cgroupRoot}/memory/memory.limit_in_bytes`]) {
    const text = (await readFile(file, "utf8").catch(() => "")).trim();
    const bytes = Number(text);
    // v1 writes a number near 2^63 for no limit; v2 writes `max`.
    if (/^\d+$/.test(text) && bytes > 0 && bytes < totalmem() * 4) return { bytes, source: file };
  }
  return { bytes: totalmem(), source: "the machine's memory" };
}

/**
 * What a dump's analysis needs: its core is read from disk, but the heap reader and the debugger hold up
 * to its size in memory, and the rest is BASE_NEED. A gzip core's own size is unknown until read: its
 * stored size, which is less, stands in for it.
 */
export function memoryNeed(dump: { coreSize?: number | undefined; size: number }): number {
  return BASE_NEED + (dump.coreSize ?? dump.size);
}

/** Admits work while what is admitted fits in the limit; the rest waits its turn, first come first served. */
export class MemoryBudget {
  private used = 0;
  private readonly waiting: Array<{ need: number; admit: () => void }> = [];

  constructor(readonly limit: number) {}

  /** Whether a need could ever be admitted. */
  fits(need: number): boolean {
    return need <= this.limit;
  }

  async take(need: number): Promise<() => void> {
    if (this.waiting.length === 0 && this.used + need <= this.limit) this.used += need;
    else await new Promise<void>((admit) => this.waiting.push({ need, admit }));
    return () => this.give(need);
  }

  private give(need: number): void {
    this.used -= need;
    for (;;) {
      const next = this.waiting[0];
      if (!next || this.used + next.need > this.limit) return;
      this.waiting.shift();
      this.used += next.need;
      next.admit();
    }
  }
}
