import path from "node:path";
import { machineOfFile } from "../elf/executable.js";
import { UsageError } from "../errors.js";
import type { Settings } from "../settings.js";
import { llnodePlugin } from "./llnode-first-use.js";
import { findDlv, findGdb, findLldb } from "./locate.js";
import type { DebuggerKind, DebugTarget } from "./session.js";
import { which } from "./which.js";

const KINDS: readonly DebuggerKind[] = ["llnode", "lldb", "gdb", "dlv"];

/**
 * `--debugger`, else `$COREDUMP_DEBUGGER`, else the runtime's own (`preferred`: dlv for Go), else llnode for
 * node (an executable so named, or a core that names a Node version: `--binary /proc/1/exe` is node too) and
 * gdb (or lldb) for anything else.
 */
export function chooseDebugger(
  flag: string | undefined,
  executable: string,
  settings: Settings,
  coreNodeVersion?: string,
  preferred?: DebuggerKind,
): DebuggerKind {
  const named = flag ?? settings.debugger;
  if (named !== undefined) {
    if (!KINDS.includes(named as DebuggerKind))
      throw new UsageError(`--debugger ${named}: choose llnode, lldb, gdb or dlv`);
    return named as DebuggerKind;
  }
  if (preferred !== undefined) return preferred;
  if (coreNodeVersion !== undefined || /^node(js)?(\.nodebug)?$/.test(path.basename(executable)))
    return "llnode";
  return nativeDebugger(settings);
}

/** The debugger for native frames alone: gdb, which unwinds out of frames without unwind info, else lldb. */
export function nativeDebugger(settings: Settings): DebuggerKind {
  return which(settings.gdb, settings.path) ? "gdb" : "lldb";
}

/** Locates the programs the chosen debugger needs (building llnode on first use), or says how to install them. */
export async function debugTarget(
  kind: DebuggerKind,
  executable: string,
  core: string,
  extraArgs: string[],
  settings: Settings,
): Promise<DebugTarget> {
  const { env } = settings;
  if (kind === "gdb") {
    const machine = await machineOfFile(core).catch(() => undefined);
    return { kind, program: findGdb(settings, machine?.name), executable, core, extraArgs, env };
  }
  if (kind === "dlv") return { kind, program: findDlv(settings), executable, core, extraArgs, env };
  if (kind === "lldb")
    return { kind, program: findLldb(undefined, settings), executable, core, extraArgs, env };
  const plugin = await llnodePlugin(settings);
  return {
    kind,
    env,
    program: findLldb(plugin, settings),
    plugin,
    executable,
    core,
    extraArgs,
  };
}
