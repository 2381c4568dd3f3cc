import { llnodeWarning, unreadableNote } from "../debuggers/llnode-limits.js";
import {
  type BacktraceFrame,
  couldReadHeap,
  errorInstance,
  inspectedString,
  nodeVersionFrom,
  parseBacktrace,
} from "../debuggers/llnode-output.js";
import type { LlnodePlugin } from "../debuggers/locate.js";
import { type DebugTarget, runBatch } from "../debuggers/session.js";
import type { Limits } from "../settings.js";

/** What llnode could tell about a Node core, and whether it could read it at all. */
export interface LlnodeFindings {
  plugin: { path: string; origin: string; published: boolean };
  readable: boolean;
  nodeVersion?: string;
  frames: BacktraceFrame[];
  error?: { type: string; message: string };
  /** What llnode printed, for the extra commands' readers. */
  output: string;
  note?: string;
}

/**
 * Asks llnode for the node version, the backtrace and, when V8 printed that one was thrown, the error
 * object in one run; a second run reads the error's whole message when llnode cut it short. Without a
 * printed error type the heap is not searched: an out-of-memory core has none, and the search of a large
 * heap takes minutes.
 */
export async function askLlnode(
  target: DebugTarget,
  plugin: LlnodePlugin,
  errorType: string | undefined,
  coreNodeVersion: string | undefined,
  limits: Pick<Limits, "reportRunMs" | "debuggerProbeMs">,
): Promise<LlnodeFindings> {
  const { output } = await runBatch(
    target,
    ["v8 nodeinfo", "v8 bt", ...(errorType ? [`v8 findjsinstances -d ${errorType}`] : [])],
    // nodeinfo walks the whole heap: 105 s for a 64 MB one on a busy machine.
    limits.reportRunMs,
  );
  const readable = couldReadHeap(output);
  const findings: LlnodeFindings = {
    plugin: { path: plugin.path, origin: plugin.origin, published: plugin.published },
    readable,
    frames: parseBacktrace(output, { callSites: !plugin.published }),
    output,
  };
  const version = nodeVersionFrom(output) ?? coreNodeVersion;
  if (version) findings.nodeVersion = version;
  if (!readable) {
    findings.note = unreadableNote(plugin, coreNodeVersion);
    return findings;
  }
  const warning = llnodeWarning(plugin, coreNodeVersion);
  if (warning) findings.note = warning;
  const instance = errorType ? errorInstance(output) : undefined;
  if (errorType && instance?.message !== undefined) {
    let message = instance.message;
    if (message.endsWith("...") && instance.messageAddress) {
      const full = await runBatch(
        target,
        [`v8 inspect -F ${instance.messageAddress}`],
        limits.debuggerProbeMs,
      );
      message = inspectedString(full.output) ?? message;
    }
    findings.error = { type: errorType, message };
  }
  return findings;
}
