import { signalName } from "../../util/signals.js";
import type { Sign } from "../evidence.js";
import { abortFrameIndex, type KindRule, SIGBUS, SIGFPE, SIGILL, SIGSEGV } from "./kind.js";

const FAULTS = new Set([SIGSEGV, SIGBUS, SIGILL, SIGFPE]);

/** Code touched memory it may not, or ran an instruction it cannot (an addon's bad pointer). */
export const nativeFault: KindRule = {
  kind: "native-fault",
  signs(evidence) {
    // The other signs are absences (no abort path, no printed text): they count only beside the signal.
    if (evidence.signal === null || !FAULTS.has(evidence.signal)) return [];
    const signs: Sign[] = [
      { source: "signal", says: signalName(evidence.signal) ?? String(evidence.signal) },
    ];
    const top = evidence.nativeFrames[0];
    if (top !== undefined && abortFrameIndex(evidence.nativeFrames) < 0 && !/Isolate::|OS::Abort/.test(top))
      signs.push({ source: "native frames", says: `faulted in ${top}` });
    const core = evidence.core;
    if (!core.abort.errorType && !core.fatal && !core.lastGc && core.nodeStack.length === 0)
      signs.push({ source: "core text", says: "neither V8 nor Node printed anything" });
    return signs;
  },
};
