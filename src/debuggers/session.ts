import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { forgetAtExit, letChildHaveCtrlC, removeAtExit } from "../util/interrupt.js";
import { DIALECTS } from "./dialects.js";
import type { DebugTarget } from "./target.js";

export type { DebuggerKind, DebugTarget } from "./target.js";

export interface BatchResult {
  exitCode: number;
  output: string;
  timedOut: boolean;
}

/**
 * Runs commands without a terminal and returns what the debugger printed. Every command runs even when
 * one fails (lldb's `command source -e false`; gdb goes on by itself).
 */
export async function runBatch(
  target: DebugTarget,
  commands: readonly string[],
  timeoutMs: number,
): Promise<BatchResult> {
  const folder = await mkdtemp(path.join(tmpdir(), "coredump-debug-"));
  // Ctrl-C during a report's llnode run ends coredump: the folder must not stay behind.
  removeAtExit(folder);
  try {
    const script = path.join(folder, "commands");
    const dialect = DIALECTS[target.kind];
    await writeFile(script, `${commands.join("\n")}\n${dialect.scriptEnd}`);
    const { execa } = await import("execa");
    const result = await execa(target.program, dialect.batchArgs(target, script), {
      env: dialect.environment(target),
      ...(dialect.runsInScriptFolder ? { cwd: folder } : {}),
      all: true,
      reject: false,
      stdin: "ignore",
      timeout: timeoutMs,
    });
    return { exitCode: result.exitCode ?? 1, output: result.all ?? "", timedOut: result.timedOut === true };
  } finally {
    await rm(folder, { recursive: true, force: true });
    forgetAtExit(folder);
  }
}

/**
 * Hands the terminal to the debugger until it exits. Ctrl-C belongs to the debugger meanwhile (it stops
 * what lldb is doing, not coredump); the debugger's exit status becomes coredump's.
 */
export async function runInteractive(target: DebugTarget): Promise<number> {
  const dialect = DIALECTS[target.kind];
  return letChildHaveCtrlC(async () => {
    const { execa } = await import("execa");
    const result = await execa(target.program, dialect.interactiveArgs(target), {
      env: dialect.environment(target),
      stdio: "inherit",
      reject: false,
    });
    return result.exitCode ?? (result.signal ? 128 : 1);
  });
}
