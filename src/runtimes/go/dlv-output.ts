import type { GoFrame, Goroutine } from "./traceback.js";

/**
 * What Delve prints in batch, read into the traceback's shapes. Pure.
 *
 * `goroutines`:  `* Goroutine 6 - User: ./main.go:12 main.main.func1 (0x48e7e5) (thread 26796)`
 *                `  Goroutine 1 - User: ./main.go:23 main.main (0x48e775) [select]`
 * `bt`:          ` 0  0x0000000000460d61 in runtime.raise`
 *                `    at /usr/lib/go-1.19/src/runtime/sys_linux_amd64.s:159`
 */
const GOROUTINE_LINE = /^(\*)?\s*Goroutine (\d+) - User: (\S+):(\d+) (\S+) \(0x[0-9a-f]+\)(.*)$/;
const FRAME_LINE = /^\s*\d+\s+0x[0-9a-f]+ in (\S.*)$/;
const AT_LINE = /^\s+at (\S.*):(\d+)$/;

/** The goroutines `goroutines` listed, each with its top user frame, and which one is starred (crashed). */
export function parseDlvGoroutines(output: string): { goroutines: Goroutine[]; current?: number } {
  const goroutines: Goroutine[] = [];
  let current: number | undefined;
  for (const line of output.split("\n")) {
    const match = GOROUTINE_LINE.exec(line);
    if (!match) continue;
    const id = Number(match[2]);
    const state = /\[([^\]]*)\]\s*$/.exec(match[6] ?? "")?.[1] ?? (match[1] ? "running" : "");
    goroutines.push({
      id,
      state,
      frames: [{ function: match[5] ?? "", file: match[3] ?? "", line: Number(match[4]) }],
    });
    if (match[1]) current = id;
  }
  return current === undefined ? { goroutines } : { goroutines, current };
}

/** The frames of `bt`, innermost first, with their places. */
export function parseDlvBacktrace(output: string): GoFrame[] {
  const frames: GoFrame[] = [];
  for (const line of output.split("\n")) {
    const frame = FRAME_LINE.exec(line);
    if (frame) {
      frames.push({ function: (frame[1] ?? "").trim() });
      continue;
    }
    const at = AT_LINE.exec(line);
    const last = frames.at(-1);
    if (at && last && last.file === undefined) {
      last.file = at[1] ?? "";
      last.line = Number(at[2]);
    }
  }
  return frames;
}

/** The number `bt` gave the frame that raised the death (`runtime.gopanic`, `runtime.throw`, `runtime.fatal`). */
export function causeFrameNumber(output: string): number | undefined {
  const found = /^\s*(\d+)\s+0x[0-9a-f]+ in runtime\.(?:gopanic|throw|fatal)$/m.exec(output);
  return found ? Number(found[1]) : undefined;
}

/**
 * The message Go printed, from that frame's `args`: `e = interface {}(runtime.plainError) "assignment to
 * entry in nil map"`, `s = "concurrent map writes"`. A runtime.Error's other types print with Go's
 * `runtime error: ` before them, as Go did; a value with no string in it (a struct) gives none.
 */
export function causeMessage(output: string): string | undefined {
  const line = /^(?:e|s) = (.*)$/m.exec(output)?.[1];
  if (!line) return undefined;
  const quoted = /"((?:[^"\\]|\\.)*)"/.exec(line)?.[1];
  if (!quoted) return undefined;
  const text = quoted.replace(/\\(.)/g, (_, escaped: string) => (escaped === "n" ? "\n" : escaped));
  return /\(runtime\.(?:errorString|boundsError|TypeAssertionError)\)/.test(line)
    ? `runtime error: ${text}`
    : text;
}

/** Delve's frames from the panic or throw down: its signal handler's frames above them left out. */
export function fromTheCrash(frames: readonly GoFrame[]): GoFrame[] {
  const start = frames.findIndex((frame) =>
    /^runtime\.(gopanic|throw|fatal|sigpanic|cgocall)$/.test(frame.function),
  );
  return start < 0 ? [...frames] : frames.slice(start);
}
