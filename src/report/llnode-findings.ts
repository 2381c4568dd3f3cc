import { inspectFullCommand } from "../debuggers/llnode-commands.js";
import { llnodeWarning, pluginReadsNode, unreadableNote } from "../debuggers/llnode-limits.js";
import {
  type BacktraceFrame,
  backtraceReadHeap,
  errorInstance,
  inspectedString,
  parseBacktrace,
} from "../debuggers/llnode-output.js";
import type { LlnodePlugin } from "../debuggers/locate.js";
import { type DebugTarget, runBatch } from "../debuggers/session.js";
import type { Limits } from "../settings.js";

/** What llnode could tell about a Node core, and whether it could read it at all. */
export interface LlnodeFindings {
  plugin: { path: string; origin: string; published: boolean };
  readable: boolean;
  frames: BacktraceFrame[];
  error?: { type: string; message: string };
  note?: string;
}

/**
 * Asks llnode for the backtrace and, when V8 printed that one was thrown, the error object in one run; a
 * second run reads the error's whole message when llnode cut it short. Nothing here walks the heap unless
 * an error is searched for: `v8 nodeinfo` would (minutes on a large heap), and the Node version comes from
 * the core's memory instead (`coreNodeVersion`). Whether llnode reads this heap shows in the backtrace's JS
 * frames; a stack with none (an out-of-memory core aborts from a GC task) is judged by the plugin and the
 * Node version. Without a printed error type the heap is not searched: an out-of-memory core has none.
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
    ["v8 bt", ...(errorType ? [`v8 findjsinstances -d ${errorType}`] : [])],
    // findjsinstances walks the whole heap: 105 s for a 64 MB one on a busy machine.
    limits.reportRunMs,
  );
  const shown = backtraceReadHeap(output);
  const readable = shown ?? pluginReadsNode(plugin, coreNodeVersion);
  const findings: LlnodeFindings = {
    plugin: { path: plugin.path, origin: plugin.origin, published: plugin.published },
    readable,
    frames: parseBacktrace(output, { callSites: !plugin.published }),
  };
  if (!readable) {
    findings.note = unreadableNote(plugin, coreNodeVersion, unreadSign(shown, coreNodeVersion));
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
        [inspectFullCommand(instance.messageAddress)],
        limits.debuggerProbeMs,
      );
      message = inspectedString(full.output) ?? message;
    }
    findings.error = { type: errorType, message };
  }
  return findings;
}

function unreadSign(shown: boolean | undefined, nodeVersion: string | undefined): string {
  if (shown === false) return "its JS frames are bare addresses in `v8 bt`";
  if (nodeVersion) return "the plugin does not read that Node version";
  return "the core names no Node version, and its stack has no JS frame";
}
