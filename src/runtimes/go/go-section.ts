import type { CgoFault } from "./cgo-fault.js";
import type { GoFrame } from "./traceback.js";

/** What a Go core's report adds: the death as Go told it, the goroutine that died, and the others summed up. */
export interface GoSection {
  /** The panic's value or the fatal error's text, as Go printed it; null where no log said. */
  message: string | null;
  /** `SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x…`, where Go printed the signal. */
  signal?: string;
  /** A fault in C code called through cgo: the C function and line of the pc Go printed. */
  cgoFault?: CgoFault;
  /** The goroutine that died, innermost frame first (the runtime's panic frames included). */
  crashed: {
    id: number | null;
    state?: string;
    frames: GoFrame[];
    createdBy?: GoFrame;
    source: "log" | "dlv";
  } | null;
  /** Every goroutine, by state and by identical stacks. */
  goroutines: {
    total: number;
    byState: Array<{ state: string; count: number }>;
    identical: Array<{ count: number; state: string; top: GoFrame; ids: number[] }>;
    source: "log" | "dlv";
  } | null;
}
