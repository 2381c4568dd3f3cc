import type { LlnodePlugin } from "./locate.js";

export type DebuggerKind = "llnode" | "lldb" | "gdb" | "dlv";

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
