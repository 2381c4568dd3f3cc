import type { Sign } from "../evidence.js";
import { anyFrame, isCoresOwn, isOutOfMemoryMessage, type KindRule, SIGABRT } from "./kind.js";

/**
 * V8 ran out of heap: it aborts whatever the flags, after printing its last collections. The core itself
 * must say so (V8's OOM handler among its frames, or its GC trace or fatal message in its memory): a signal
 * and a log alone are what any `process.abort()` beside a log that claims heap exhaustion shows.
 */
export const outOfMemory: KindRule = {
  kind: "out-of-memory",
  signs(evidence) {
    const signs: Sign[] = [];
    if (evidence.signal === SIGABRT) signs.push({ source: "signal", says: "SIGABRT" });
    const frame = anyFrame(evidence.nativeFrames, /OOMErrorHandler|FatalProcessOutOfMemory|ReportOOMFailure/);
    if (frame) signs.push({ source: "native frames", says: frame });
    if (evidence.core.lastGc) signs.push({ source: "core text", says: "V8's trace of its last collections" });
    else if (evidence.core.fatal && isOutOfMemoryMessage(evidence.core.fatal))
      signs.push({ source: "core text", says: evidence.core.fatal });
    const log = evidence.log;
    if (log?.heapOutOfMemory || (log?.fatal && isOutOfMemoryMessage(log.fatal)))
      signs.push({ source: "log", says: log.fatal ?? "JavaScript heap out of memory" });
    return signs.some((sign) => isCoresOwn(sign.source)) ? signs : [];
  },
};
