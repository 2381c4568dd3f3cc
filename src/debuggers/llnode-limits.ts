import type { LlnodePlugin } from "./locate.js";

/**
 * What the user should know before trusting llnode's output on this core. llnode 4.0 as published reads
 * Node 16 to 20 and, on 22 and later, prints bare addresses while exiting 0; it says nothing itself.
 */
export function llnodeWarning(plugin: LlnodePlugin, nodeVersion: string | undefined): string | undefined {
  const major = nodeVersion ? Number(nodeVersion.split(".")[0]) : undefined;
  if (major === undefined || major < 22 || !plugin.published) return undefined;
  return (
    `this core is from Node ${nodeVersion}, which llnode 4.0.0 as published cannot read: JS frames will be bare addresses. ` +
    "`coredump report` shows the stack V8 printed before aborting; the project's plugin (llnode/build.sh) reads Node 22 and 24"
  );
}

/** Said when `v8 nodeinfo` found no V8 heap it understands. */
export function unreadableNote(plugin: LlnodePlugin, nodeVersion: string | undefined): string {
  return (
    `llnode (${describePlugin(plugin)}) could not read this core's V8 heap` +
    `${nodeVersion ? ` (Node ${nodeVersion})` : ""}: "No process objects found". ` +
    "`coredump report` shows the stack V8 printed before aborting, found in the core's own bytes"
  );
}

/** `LLNODE_PLUGIN, llnode 4.0.0 as published (/path/llnode.so)`. */
export function describePlugin(plugin: LlnodePlugin): string {
  const what =
    plugin.published && plugin.origin !== "llnode 4.0.0 as published"
      ? `${plugin.origin}, llnode 4.0.0 as published`
      : plugin.origin;
  return `${what} (${plugin.path})`;
}
