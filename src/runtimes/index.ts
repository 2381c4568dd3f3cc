import { CoreClues } from "./core-clues.js";
import { goRuntime } from "./go/runtime.js";
import { nativeRuntime } from "./native/runtime.js";
import { nodeRuntime } from "./node/runtime.js";
import type { Runtime } from "./runtime.js";

export { CoreClues } from "./core-clues.js";
export type { Runtime, RuntimeName } from "./runtime.js";

/**
 * The runtimes, asked in this order: Go first (its note is in the headers already read), then Node (a scan
 * of the core's memory for its version), native last (it takes any core). Java and Python would go before
 * native: a row here and a folder beside go/.
 */
export const RUNTIMES: readonly Runtime[] = [goRuntime, nodeRuntime, nativeRuntime];

/** The runtime whose program made the core. */
export async function runtimeOfCore(clues: CoreClues): Promise<Runtime> {
  for (const runtime of RUNTIMES) if (await runtime.recognises(clues)) return runtime;
  return nativeRuntime;
}

/** The runtime of the core at `core`, the executable's path given where known. */
export function runtimeOf(core: string, executable?: string): Promise<Runtime> {
  return runtimeOfCore(new CoreClues(core, executable));
}
