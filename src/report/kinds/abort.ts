import type { Sign } from "../evidence.js";
import { anyFrame, type KindRule, SIGABRT } from "./kind.js";

/** `process.abort()`, or SIGABRT sent from outside: no error, no fatal message. */
export const abort: KindRule = {
  kind: "abort",
  signs(evidence) {
    const signs: Sign[] = [];
    if (evidence.signal === SIGABRT) signs.push({ source: "signal", says: "SIGABRT" });
    const frame = anyFrame(evidence.nativeFrames, /(?:^|::)Abort\(v8::FunctionCallbackInfo/);
    if (frame) signs.push({ source: "native frames", says: `${frame}: process.abort()` });
    const core = evidence.core;
    if (core.nodeStack.length > 0 && !core.fatal && !core.lastGc && !core.abort.errorType)
      signs.push({ source: "core text", says: "Node printed its stack, and no error" });
    const log = evidence.log;
    if (log && log.nodeStack.length > 0 && !log.fatal && !log.error && !log.heapOutOfMemory)
      signs.push({ source: "log", says: "Node printed its stack, and no error" });
    return signs;
  },
};
