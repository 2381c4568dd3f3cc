import type { Evidence } from "../evidence.js";

/** The message Node or V8 printed before stopping itself: the log's copy is whole, the core's may not be. */
export function fatalMessage(
  evidence: Evidence,
): { message: string; source: "log" | "core text" } | undefined {
  if (evidence.log?.fatal) return { message: evidence.log.fatal, source: "log" };
  if (evidence.core.fatal) return { message: evidence.core.fatal, source: "core text" };
  return undefined;
}
