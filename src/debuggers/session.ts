import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { forgetAtExit, letChildHaveCtrlC, removeAtExit } from "../util/interrupt.js";
import { lldbEnvironment } from "./lldb-environment.js";
import type { LlnodePlugin } from "./locate.js";

export type DebuggerKind = "llnode" | "lldb" | "gdb" | "dlv";

/** What `debug --batch` runs when given no command: each debugger's backtrace. */
export const DEFAULT_BATCH: Readonly<Record<DebuggerKind, readonly string[]>> = {
  llnode: ["v8 bt"],
  lldb: ["v8 bt"],
  gdb: ["v8 bt"],
  dlv: ["goroutines", "bt"],
};

/** One debugger on one executable and core: which program, with which plugin, and the user's extra arguments. */
export interface DebugTarget {
  kind: DebuggerKind;
  /** lldb, gdb or dlv. */
  program: string;
  plugin?: LlnodePlugin;
  executable: string;
  core: string;
  /** Passed to the debugger as they are (`coredump debug … -- ARGS`). */
  extraArgs?: string[];
  /** The debugger's environment (lldb's gets PYTHONPATH: lldb-environment.ts). */
  env: NodeJS.ProcessEnv;
  /** gdb: where the image's shared libraries are (`set sysroot`, and `solib-search-path` for its folders). */
  sysroot?: { root: string; folders: string[] };
}

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
    await writeFile(script, `${commands.join("\n")}\n${target.kind === "dlv" ? "exit\n" : ""}`);
    const args =
      target.kind === "dlv"
        ? [...dlvArgs(target), "--init", script, "--allow-non-terminal-interactive=true"]
        : target.kind === "gdb"
          ? [
              "-q",
              "-batch",
              ...gdbSetup(target),
              "-x",
              script,
              ...(target.extraArgs ?? []),
              target.executable,
              target.core,
            ]
          : [
              "--batch",
              ...lldbSetup(target),
              "-o",
              `command source -e false ${script}`,
              ...lldbTarget(target),
            ];
    const { execa } = await import("execa");
    const result = await execa(target.program, args, {
      env: environment(target),
      // Delve prints a source path under its working folder as `./…`: in this folder, every path is whole.
      ...(target.kind === "dlv" ? { cwd: folder } : {}),
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
  const args =
    target.kind === "dlv"
      ? dlvArgs(target)
      : target.kind === "gdb"
        ? ["-q", ...gdbSetup(target), ...(target.extraArgs ?? []), target.executable, target.core]
        : [...lldbSetup(target), ...lldbTarget(target)];
  return letChildHaveCtrlC(async () => {
    const { execa } = await import("execa");
    const result = await execa(target.program, args, {
      env: environment(target),
      stdio: "inherit",
      reject: false,
    });
    return result.exitCode ?? (result.signal ? 128 : 1);
  });
}

function lldbSetup(target: DebugTarget): string[] {
  return target.kind === "llnode" && target.plugin
    ? ["-o", `plugin load ${target.plugin.path}`, "-o", "settings set prompt '(llnode) '"]
    : [];
}

function lldbTarget(target: DebugTarget): string[] {
  return [...(target.extraArgs ?? []), "-c", target.core, target.executable];
}

/** Delve reads a Go core as `dlv core EXE CORE`; the user's arguments (`--check-go-version=false` …) after. */
function dlvArgs(target: DebugTarget): string[] {
  return ["core", target.executable, target.core, ...(target.extraArgs ?? [])];
}

function gdbSetup(target: DebugTarget): string[] {
  if (!target.sysroot) return [];
  const { root, folders } = target.sysroot;
  return ["-ex", `set sysroot ${root}`, "-ex", `set solib-search-path ${folders.join(":")}`];
}

function environment(target: DebugTarget): NodeJS.ProcessEnv {
  return target.kind === "gdb" || target.kind === "dlv"
    ? target.env
    : lldbEnvironment(target.program, target.env);
}
