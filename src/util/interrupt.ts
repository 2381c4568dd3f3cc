import { rmSync } from "node:fs";
import { InterruptedError } from "../errors.js";

/**
 * Ctrl-C and SIGTERM, for the whole process: the first one aborts `interruptSignal` (the steps that read
 * it stop and throw an InterruptedError, which the CLI prints as one line, exit 130) and, should a step
 * not stop by itself within a moment, ends the process anyway: one `interrupted` line, exit 130. Either
 * way the temporary files registered with removeAtExit are removed. A second signal ends it at once.
 */
const controller = new AbortController();
export const interruptSignal: AbortSignal = controller.signal;

/** How long the steps that read interruptSignal have to stop by themselves. */
const GRACE_MS = 2000;

let childHasCtrlC = 0;
let installed = false;

/** Installed once by the CLI, before any command runs. */
export function installInterruptHandling(): void {
  if (installed) return;
  installed = true;
  process.on("SIGINT", () => {
    // An interactive debugger's Ctrl-C stops what the debugger does, not coredump.
    if (childHasCtrlC === 0) interrupt();
  });
  process.on("SIGTERM", interrupt);
}

function interrupt(): void {
  if (controller.signal.aborted) exitInterrupted();
  controller.abort(new InterruptedError("interrupted"));
  setTimeout(exitInterrupted, GRACE_MS).unref();
}

/**
 * The one place coredump ends itself for a signal: the temporary files go (an `exit` listener), then
 * exit 130. `said` when the interruption was already printed (an InterruptedError's own line).
 */
export function exitInterrupted(said = false): never {
  if (!said) process.stderr.write("coredump: interrupted\n");
  process.exit(130);
}

export function wasInterrupted(): boolean {
  return controller.signal.aborted;
}

/** While `work` runs (an interactive debugger on the terminal), Ctrl-C goes to the child alone. */
export async function letChildHaveCtrlC<T>(work: () => Promise<T>): Promise<T> {
  childHasCtrlC++;
  try {
    return await work();
  } finally {
    childHasCtrlC--;
  }
}

const temporary = new Set<string>();
let removesAtExit = false;

/** A file or folder that must not outlive the process, however it exits (but SIGKILL). */
export function removeAtExit(file: string): void {
  if (!removesAtExit) {
    process.once("exit", () => {
      for (const each of temporary) rmSync(each, { recursive: true, force: true });
    });
    removesAtExit = true;
  }
  temporary.add(file);
}

/** What removeAtExit no longer needs to remove (it was removed, or kept on purpose). */
export function forgetAtExit(file: string): void {
  temporary.delete(file);
}
