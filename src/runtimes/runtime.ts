import type { DebuggerKind } from "../debuggers/session.js";
import type { CoreClues } from "./core-clues.js";

/** The runtimes coredump tells apart: what `report --json` and `list --json` name as `runtime`. */
export type RuntimeName = "node" | "go" | "native";

/**
 * One runtime's room, as the shared floors see it: how its cores are recognised and which debugger reads
 * them. Its crash kinds, its reader of what it prints and its report sections live in its folder.
 */
export interface Runtime {
  name: RuntimeName;
  /** Whether this runtime's program made the core, from the core's cheapest clues first. */
  recognises(core: CoreClues): Promise<boolean>;
  /** The debugger for its cores when `--debugger` does not say; undefined: gdb, else lldb. */
  debugger?: DebuggerKind;
}
