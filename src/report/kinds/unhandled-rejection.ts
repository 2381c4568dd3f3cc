import type { Sign } from "../evidence.js";
import { anyFrame, type KindRule, nodeStackNames, SIGABRT } from "./kind.js";

const REJECTION_FRAMES =
  /^(?:throwUnhandledRejectionsMode|processPromiseRejections|triggerUncaughtException)$/;

/** A promise rejected with nobody to handle it, thrown as an uncaught exception (Node 15 and later). */
export const unhandledRejection: KindRule = {
  kind: "unhandled-rejection",
  signs(evidence) {
    const signs: Sign[] = [];
    if (evidence.signal === SIGABRT) signs.push({ source: "signal", says: "SIGABRT" });
    const frame = anyFrame(evidence.nativeFrames, /TriggerUncaughtException|throwUnhandledRejectionsMode/);
    const throwing = anyFrame(evidence.nativeFrames, /CreateMessageOrAbort/);
    if (frame && !throwing) signs.push({ source: "native frames", says: frame });
    const names = nodeStackNames(evidence);
    const core = names.core.find((name) => REJECTION_FRAMES.test(name));
    if (core) signs.push({ source: "core text", says: `${core} in Node's JavaScript stack` });
    const log = names.log.find((name) => REJECTION_FRAMES.test(name));
    if (log) signs.push({ source: "log", says: `${log} in Node's JavaScript stack` });
    else if (
      evidence.log?.error &&
      !evidence.log.uncaught &&
      evidence.signal === SIGABRT &&
      !evidence.log.fatal
    )
      signs.push({ source: "log", says: `${evidence.log.error.type} printed before Node aborted` });
    return signs;
  },
};
