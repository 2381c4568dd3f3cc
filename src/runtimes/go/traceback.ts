/**
 * What a Go program prints when it dies (its container log), read into facts. Pure: text in, facts out.
 *
 * Go prints the cause FIRST, then every goroutine's stack (`GOTRACEBACK=crash` prints all of them, the
 * runtime's too, and then aborts so that the kernel writes a core):
 *
 *     panic: assignment to entry in nil map            (or `fatal error: concurrent map writes`,
 *     [signal SIGSEGV: segmentation violation …]        or `SIGSEGV: segmentation violation`, `SIGABRT: abort`)
 *
 *     goroutine 22 [running]:
 *     main.(*Cart).Add(...)
 *             /src/main.go:15 +0x85 fp=0xc… sp=0xc… pc=0x4…
 *     created by main.main
 *             /src/main.go:30 +0x9e
 *
 *     goroutine 1 [select]:
 *     …
 *
 * So the log is read from its start (a tail shows other goroutines), once, line by line; a service's log
 * may hold thousands of lines of its own before the traceback: the LAST cause line that a goroutine's
 * stack follows is the death (an earlier `panic:` recovered by net/http is followed by none).
 */

/** The kinds of Go deaths this reader tells apart (report's kinds for the Go runtime). */
export type GoCrashKind = "panic" | "fatal-error" | "native-fault" | "abort";

export interface GoFrame {
  /** `main.(*Cart).Add`, `runtime.gopanic`, `panic`. */
  function: string;
  file?: string;
  line?: number;
}

export interface Goroutine {
  id: number;
  /** What it was doing: `running`, `select`, `chan receive, 2 minutes`, `syscall`. */
  state: string;
  /** Innermost first. */
  frames: GoFrame[];
  /** The `go` statement that started it: `created by main.main` and its place. */
  createdBy?: GoFrame;
}

export interface GoTraceback {
  kind: GoCrashKind;
  /** The cause's line in the log, 0-based. */
  line: number;
  /** `assignment to entry in nil map`, `concurrent map writes`, `SIGSEGV: segmentation violation`. */
  message: string;
  /** The `[signal SIGSEGV: segmentation violation code=… addr=0x0 pc=…]` line, where Go printed one. */
  signal?: string;
  /** The goroutine that died: the first stack after the cause. Absent where the log was cut before it. */
  crashed?: Goroutine;
  /** Every goroutine the log lists, the crashed one first. */
  goroutines: Goroutine[];
}

/** At most this many lines are read: the handler keeps 500 (`crictl logs --tail 500`). */
const MAX_LINES = 200_000;

const CAUSE = /^(panic|fatal error): (.*)$/;
const SIGNAL_CAUSE = /^(SIG[A-Z]+): (.+)$/;
const SIGNAL_LINE = /^\[signal (.+)\]$/;
/** `goroutine 22 [running]:`, `goroutine 1 gp=0xc… m=0 mp=0x… [running]:` (Go 1.21 on, under crash). */
const GOROUTINE = /^goroutine (\d+)(?: [^[]*)? \[([^\]]*)\]:$/;
/** `\t/src/main.go:15 +0x85 fp=…`: the place of the frame above. */
const PLACE = /^\s+(\S.*?):(\d+)(?: [+ ].*)?$/;
const CREATED_BY = /^created by (\S+)/;

/** The death a Go program's log tells of, or undefined when it tells of none. */
export function readGoTraceback(text: string): GoTraceback | undefined {
  const lines = text.split("\n", MAX_LINES).map((line) => line.replace(/\r$/, ""));
  const goroutines = readGoroutines(lines);
  const cause = findCause(lines, goroutines.at(-1)?.at);
  if (!cause) return undefined;
  const after = goroutines.filter((entry) => entry.at > cause.at);
  const crashedEntry = after[0];
  const result: GoTraceback = {
    kind: cause.kind,
    line: cause.at,
    message: cause.message,
    goroutines: after.map((entry) => entry.goroutine),
  };
  if (cause.signal) result.signal = cause.signal;
  if (crashedEntry) result.crashed = crashedEntry.goroutine;
  if (result.kind === "fatal-error" && isCgoFault(result)) result.kind = "native-fault";
  return result;
}

interface Cause {
  at: number;
  kind: GoCrashKind;
  message: string;
  signal?: string;
}

/**
 * The cause: the last `panic:` / `fatal error:` / `SIGxxx:` line that a goroutine's stack follows (the lines
 * of a panic's chain, `panic: a [recovered]` then `\tpanic: b`, are indented after the first, which names
 * the death); without any stack after one (a log cut short), the last such line.
 */
function findCause(lines: readonly string[], lastStack: number | undefined): Cause | undefined {
  let found: Cause | undefined;
  for (const [at, line] of lines.entries()) {
    if (found && lastStack !== undefined && at > lastStack) break;
    const cause = CAUSE.exec(line);
    const bySignal = cause ? undefined : SIGNAL_CAUSE.exec(line);
    if (cause) {
      const kind = cause[1] === "panic" ? "panic" : "fatal-error";
      found = { at, kind, message: cleanPanic(cause[2] ?? "") };
    } else if (bySignal) {
      const name = bySignal[1] ?? "";
      found = {
        at,
        kind: name === "SIGABRT" || name === "SIGQUIT" ? "abort" : "native-fault",
        message: line,
      };
    } else continue;
    const signal = SIGNAL_LINE.exec(lines[at + 1] ?? "")?.[1];
    if (signal) found.signal = signal;
  }
  return found;
}

/** `x [recovered]` and Go 1.18's `panic: x\n\tpanic: y`: the message as the program raised it. */
function cleanPanic(message: string): string {
  return message.replace(/ \[recovered\]$/, "").trim();
}

/** A fault in C code called through cgo: Go says so, or the crashed goroutine was in `runtime.cgocall`. */
function isCgoFault(traceback: GoTraceback): boolean {
  if (!/unexpected signal/.test(traceback.message)) return false;
  return traceback.crashed?.frames.some((frame) => frame.function === "runtime.cgocall") ?? true;
}

/** Each `goroutine N [state]:` block: its frames (a function line, then its place) and its creator. */
function readGoroutines(lines: readonly string[]): Array<{ at: number; goroutine: Goroutine }> {
  const found: Array<{ at: number; goroutine: Goroutine }> = [];
  let current: Goroutine | undefined;
  let pending: GoFrame | undefined;
  let creating = false;
  for (const [at, line] of lines.entries()) {
    const header = GOROUTINE.exec(line);
    if (header) {
      current = { id: Number(header[1]), state: header[2] ?? "", frames: [] };
      found.push({ at, goroutine: current });
      pending = undefined;
      creating = false;
      continue;
    }
    if (!current) continue;
    if (line.trim() === "") {
      current = undefined;
      continue;
    }
    const place = PLACE.exec(line);
    if (place && pending) {
      pending.file = place[1] ?? "";
      pending.line = Number(place[2]);
      pending = undefined;
      continue;
    }
    const created = CREATED_BY.exec(line);
    if (created) {
      pending = { function: created[1] ?? "" };
      current.createdBy = pending;
      creating = true;
      continue;
    }
    if (creating || /^\s/.test(line) || line.startsWith("...")) continue;
    pending = { function: functionName(line) };
    current.frames.push(pending);
  }
  return found;
}

/** `main.(*Cart).Add(...)`, `panic({0x4993a0, 0x4c7470})` → the name before the argument list. */
function functionName(line: string): string {
  const open = line.lastIndexOf("(");
  return (open > 0 && line.endsWith(")") ? line.slice(0, open) : line).trim();
}

/** Go's own frames: the runtime's panic and throw machinery, above the program's. */
export function isRuntimeFrame(frame: GoFrame): boolean {
  return (
    /^(runtime|runtime\/internal\/[\w/]+|internal\/[\w/]+)\./.test(frame.function) ||
    frame.function === "panic"
  );
}

/** The crashed goroutine's frames from the program's own code down: the runtime's above them left out. */
export function programFrames(goroutine: Pick<Goroutine, "frames"> | undefined): GoFrame[] {
  const frames = goroutine?.frames ?? [];
  const first = frames.findIndex((frame) => !isRuntimeFrame(frame));
  return first < 0 ? [] : frames.slice(first).filter((frame) => frame.function !== "runtime.goexit");
}

/** Goroutines by state, most first: `select 12`, `chan receive 3`. */
export function goroutinesByState(goroutines: readonly Goroutine[]): Array<{ state: string; count: number }> {
  const counts = new Map<string, number>();
  for (const goroutine of goroutines) {
    const state = goroutine.state.replace(/, \d+ minutes?$/, "").replace(/, locked to thread$/, "");
    counts.set(state, (counts.get(state) ?? 0) + 1);
  }
  return [...counts].map(([state, count]) => ({ state, count })).sort((a, b) => b.count - a.count);
}

/** Goroutines whose stacks are the same functions, in groups of two or more, largest first. */
export function identicalStacks(
  goroutines: readonly Goroutine[],
): Array<{ count: number; state: string; top: GoFrame; ids: number[] }> {
  const groups = new Map<string, { count: number; state: string; top: GoFrame; ids: number[] }>();
  for (const goroutine of goroutines) {
    const top = goroutine.frames.find((frame) => !isRuntimeFrame(frame)) ?? goroutine.frames[0];
    if (!top) continue;
    const key = `${goroutine.state}\n${goroutine.frames.map((frame) => `${frame.function}:${frame.line}`).join("\n")}`;
    const group = groups.get(key) ?? { count: 0, state: goroutine.state, top, ids: [] };
    group.count++;
    group.ids.push(goroutine.id);
    groups.set(key, group);
  }
  return [...groups.values()].filter((group) => group.count > 1).sort((a, b) => b.count - a.count);
}

/**
 * The crash a Go program's log tells of, as every reader of logs keys it (`list`, `groups`, `report`): the
 * kind, the message and the program's own frames of the goroutine that died.
 */
export function goCrashOfLog(
  text: string,
): { kind: GoCrashKind; message: string; frames: GoFrame[] } | undefined {
  const traceback = readGoTraceback(text);
  return traceback && goCrash(traceback.kind, traceback.message, traceback.crashed?.frames ?? []);
}

/** The same facts from a report's findings (the log's, else Delve's). */
export function goCrash(
  kind: GoCrashKind,
  message: string,
  frames: readonly GoFrame[],
): { kind: GoCrashKind; message: string; frames: GoFrame[] } {
  return { kind, message, frames: programFrames({ frames: [...frames] }) };
}
