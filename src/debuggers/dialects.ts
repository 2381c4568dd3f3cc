import { lldbEnvironment } from "./lldb-environment.js";
import { type BacktraceFrame, parseBacktrace, parseGdbBacktrace } from "./llnode-output.js";
import type { DebuggerKind, DebugTarget } from "./target.js";

/**
 * How coredump speaks to one debugger: how it is started on an executable and a core, for a person or for a
 * script of commands, and how it prints the crashed thread's native frames. Adding a debugger is a row of
 * DIALECTS, not a branch in each place that starts one.
 */
export interface Dialect {
  /** Arguments that open the core for a person at the terminal. */
  interactiveArgs(target: DebugTarget): string[];
  /** Arguments that run the commands in `script` and exit; every command runs even when one fails. */
  batchArgs(target: DebugTarget, script: string): string[];
  /** What ends a script of commands (Delve waits for `exit`). */
  scriptEnd: string;
  /** Delve prints a source path under its working folder as `./…`: run it in the script's folder. */
  runsInScriptFolder: boolean;
  environment(target: DebugTarget): NodeJS.ProcessEnv;
  /** What `debug --batch` runs when given no command. */
  defaultBatch: readonly string[];
  /** The command that prints the crashed thread's native frames, and how its output is read. */
  backtrace?: { command: string; parse(output: string): BacktraceFrame[] };
}

const lldb: Dialect = {
  interactiveArgs: (target) => [...lldbSetup(target), ...lldbTarget(target)],
  batchArgs: (target, script) => [
    "--batch",
    ...lldbSetup(target),
    "-o",
    `command source -e false ${script}`,
    ...lldbTarget(target),
  ],
  scriptEnd: "",
  runsInScriptFolder: false,
  environment: (target) => lldbEnvironment(target.program, target.env),
  defaultBatch: ["v8 bt"],
  backtrace: { command: "thread backtrace", parse: (output) => parseBacktrace(output) },
};

const gdb: Dialect = {
  interactiveArgs: (target) => [
    "-q",
    ...gdbSetup(target),
    ...(target.extraArgs ?? []),
    target.executable,
    target.core,
  ],
  batchArgs: (target, script) => [
    "-q",
    "-batch",
    ...gdbSetup(target),
    "-x",
    script,
    ...(target.extraArgs ?? []),
    target.executable,
    target.core,
  ],
  scriptEnd: "",
  runsInScriptFolder: false,
  environment: (target) => target.env,
  defaultBatch: ["v8 bt"],
  backtrace: { command: "bt", parse: parseGdbBacktrace },
};

const dlv: Dialect = {
  interactiveArgs: (target) => dlvArgs(target),
  batchArgs: (target, script) => [
    ...dlvArgs(target),
    "--init",
    script,
    "--allow-non-terminal-interactive=true",
  ],
  scriptEnd: "exit\n",
  runsInScriptFolder: true,
  environment: (target) => target.env,
  defaultBatch: ["goroutines", "bt"],
};

/** llnode is lldb with the plugin loaded (lldbSetup loads it where the target has one). */
export const DIALECTS: Readonly<Record<DebuggerKind, Dialect>> = { llnode: lldb, lldb, gdb, dlv };

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
