import { findFatalMessage, findLastGc, findMaxOldSpaceMb, findPrintedError } from "./crash-text.js";
import type { LogText } from "./evidence.js";
import { findNodeJsStack } from "./node-stack.js";

/** Reads a container's log (all of it, not only the tail the report shows) for what the process printed. */
export function readLogText(log: string): LogText {
  const text: LogText = {
    uncaught: /^Uncaught [A-Za-z_$][\w$]*/m.test(log),
    nodeStack: findNodeJsStack(log),
    heapOutOfMemory: /JavaScript heap out of memory|Allocation failed/.test(log),
  };
  const fatal = findFatalMessage(log);
  if (fatal) text.fatal = fatal;
  const error = findPrintedError(log);
  if (error) text.error = error;
  const lastGc = findLastGc(log);
  if (lastGc) text.lastGc = lastGc;
  const maxOldSpaceMb = findMaxOldSpaceMb(log);
  if (maxOldSpaceMb !== undefined) text.maxOldSpaceMb = maxOldSpaceMb;
  return text;
}
