import type { Sign } from "../evidence.js";
import { abortFrameIndex, type KindRule } from "./kind.js";

/** A core of a live process (`coredump capture`): nothing died. */
export const snapshot: KindRule = {
  kind: "snapshot",
  signs(evidence) {
    const signs: Sign[] = [];
    if (evidence.signal === 0) signs.push({ source: "signal", says: "none: the process was captured alive" });
    if (
      evidence.nativeFrames.length > 0 &&
      abortFrameIndex(evidence.nativeFrames) < 0 &&
      evidence.signal === 0
    )
      signs.push({ source: "native frames", says: `running in ${evidence.nativeFrames[0]}` });
    const core = evidence.core;
    if (!core.abort.errorType && !core.fatal && !core.lastGc && core.nodeStack.length === 0)
      signs.push({ source: "core text", says: "neither V8 nor Node printed anything" });
    return signs;
  },
};
