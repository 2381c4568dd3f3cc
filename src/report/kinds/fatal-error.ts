import type { Sign } from "../evidence.js";
import { anyFrame, isOutOfMemoryMessage, type KindRule, SIGABRT } from "./kind.js";

/** Node or V8 stopped itself: `FATAL ERROR`, a failed CHECK or assertion. */
export const fatalError: KindRule = {
  kind: "fatal-error",
  signs(evidence) {
    const signs: Sign[] = [];
    if (evidence.signal === SIGABRT) signs.push({ source: "signal", says: "SIGABRT" });
    const frame = anyFrame(
      evidence.nativeFrames,
      /node::Assert\(|node::OnFatalError|V8_Fatal|node::FatalError/,
    );
    if (frame) signs.push({ source: "native frames", says: frame });
    const core = evidence.core.fatal;
    if (core && !isOutOfMemoryMessage(core)) signs.push({ source: "core text", says: core });
    const log = evidence.log?.fatal;
    if (log && !isOutOfMemoryMessage(log)) signs.push({ source: "log", says: log });
    return signs;
  },
};
