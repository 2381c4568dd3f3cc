import path from "node:path";
import { UsageError } from "../errors.js";
import { llnodePlugin } from "./llnode-first-use.js";
import { findGdb, findLldb } from "./locate.js";
import type { DebuggerKind, DebugTarget } from "./session.js";
import { which } from "./which.js";

const KINDS: readonly DebuggerKind[] = ["llnode", "lldb", "gdb"];

/** `--debugger`, else `$COREDUMP_DEBUGGER`, else llnode for node and gdb (or lldb) for anything else. */
export function chooseDebugger(
  flag: string | undefined,
  executable: string,
  env: NodeJS.ProcessEnv = process.env,
): DebuggerKind {
  const named = flag ?? env.COREDUMP_DEBUGGER;
  if (named !== undefined) {
    if (!KINDS.includes(named as DebuggerKind))
      throw new UsageError(`--debugger ${named}: choose llnode, lldb or gdb`);
    return named as DebuggerKind;
  }
  if (/^node(js)?(\.nodebug)?$/.test(path.basename(executable))) return "llnode";
  return which(env.GDB ?? "gdb", env) ? "gdb" : "lldb";
}

/** Locates the programs the chosen debugger needs (building llnode on first use), or says how to install them. */
export async function debugTarget(
  kind: DebuggerKind,
  executable: string,
  core: string,
  extraArgs: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<DebugTarget> {
  if (kind === "gdb") return { kind, program: findGdb(env), executable, core, extraArgs };
  if (kind === "lldb") return { kind, program: findLldb(undefined, env), executable, core, extraArgs };
  const plugin = await llnodePlugin(env);
  return {
    kind,
    program: findLldb(plugin, env),
    plugin,
    executable,
    core,
    extraArgs,
  };
}
