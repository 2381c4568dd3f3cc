import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let collect: (() => void) | undefined;

/**
 * Runs a full garbage collection now, between two stages of the heap's reading: the typed arrays a stage
 * let go (hundreds of megabytes of a large heap's graph) are freed before the next stage allocates its
 * own, rather than when V8 next looks, which may be after both are resident. A few milliseconds: the
 * JavaScript heap itself is small.
 */
export function releaseMemory(): void {
  if (!collect) {
    setFlagsFromString("--expose-gc");
    collect = runInNewContext("gc") as () => void;
  }
  collect();
}
