import type { Evidence, Sign, Source } from "../evidence.js";

export type Kind =
  | "panic"
  | "uncaught-exception"
  | "unhandled-rejection"
  | "out-of-memory"
  | "native-fault"
  | "fatal-error"
  | "abort"
  | "snapshot"
  | "unknown";

/** One kind of death and the signs of it in the evidence; each module of this folder holds one. */
export interface KindRule {
  kind: Exclude<Kind, "unknown">;
  signs(evidence: Evidence): Sign[];
}

export const SIGILL = 4;
export const SIGTRAP = 5;
export const SIGABRT = 6;
export const SIGBUS = 7;
export const SIGFPE = 8;
export const SIGSEGV = 11;

/** The innermost frames are libc's way out (`raise`, `abort`, `pthread_kill`): the process killed itself. */
export function abortFrameIndex(frames: readonly string[]): number {
  let last = -1;
  for (const [index, frame] of frames.entries()) {
    if (/(?:^|[`_])(?:raise|abort|pthread_kill(?:_implementation)?|__GI_raise|__GI_abort)\b/.test(frame))
      last = index;
    else break;
  }
  return last;
}

/** The first native frame after libc's abort path, or the top frame when there is none. */
export function callerOfAbort(frames: readonly string[]): string | undefined {
  return frames[abortFrameIndex(frames) + 1];
}

export function anyFrame(frames: readonly string[], pattern: RegExp): string | undefined {
  return frames.find((frame) => pattern.test(frame));
}

/** Node's JS stack (core or log) holds one of these functions. */
export function nodeStackNames(evidence: Evidence): { core: string[]; log: string[] } {
  return {
    core: evidence.core.nodeStack.map((frame) => frame.function),
    log: evidence.log?.nodeStack.map((frame) => frame.function) ?? [],
  };
}

/** A fatal message about memory belongs to out-of-memory, not to fatal-error. */
export function isOutOfMemoryMessage(message: string): boolean {
  return /out of memory|Allocation failed|heap limit/i.test(message);
}

/** Signs read from the core itself, not from what the handler or the container wrote beside it. */
export function isCoresOwn(source: Source): boolean {
  return source === "native frames" || source === "core text";
}
