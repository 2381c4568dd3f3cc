import type { Sign } from "../evidence.js";
import { anyFrame, type KindRule, SIGILL, SIGTRAP } from "./kind.js";

/** An exception nobody caught, under `--abort-on-uncaught-exception`: V8 aborts where it was thrown. */
export const uncaughtException: KindRule = {
  kind: "uncaught-exception",
  signs(evidence) {
    const signs: Sign[] = [];
    if (evidence.signal === SIGTRAP || evidence.signal === SIGILL)
      signs.push({ source: "signal", says: evidence.signal === SIGTRAP ? "SIGTRAP" : "SIGILL" });
    const frame = anyFrame(evidence.nativeFrames, /Isolate::CreateMessageOrAbort|Isolate::Throw/);
    if (frame) signs.push({ source: "native frames", says: frame });
    const type = evidence.core.abort.errorType;
    if (type) signs.push({ source: "core text", says: `Uncaught ${type}` });
    if (evidence.log?.uncaught) signs.push({ source: "log", says: "Uncaught …" });
    return signs;
  },
};
