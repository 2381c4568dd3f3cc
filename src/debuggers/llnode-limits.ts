import type { LlnodePlugin } from "./locate.js";

/**
 * What the user should know before trusting llnode's output on this core. llnode 4.0 as published reads
 * Node 16 to 20 and, on 22 and later, prints bare addresses while exiting 0; it says nothing itself.
 */
export function llnodeWarning(plugin: LlnodePlugin, nodeVersion: string | undefined): string | undefined {
  const major = majorOf(nodeVersion);
  if (major === undefined || major < FIRST_UNREAD_BY_PUBLISHED || !plugin.published) return undefined;
  return (
    `this core is from Node ${nodeVersion}, which llnode 4.0.0 as published cannot read: JS frames will be bare addresses. ` +
    "`coredump report` shows the stack V8 printed before aborting; the project's plugin (llnode/build.sh) reads Node 22 and 24"
  );
}

const FIRST_UNREAD_BY_PUBLISHED = 22;
/** The newest major the project's patches were tested on (llnode/patches). */
const LAST_READ_BY_PROJECT = 24;

function majorOf(nodeVersion: string | undefined): number | undefined {
  return nodeVersion ? Number(nodeVersion.split(".")[0]) : undefined;
}

/** Whether this plugin reads the V8 heap of this Node version: where a core itself gives no sign. */
export function pluginReadsNode(plugin: LlnodePlugin, nodeVersion: string | undefined): boolean {
  const major = majorOf(nodeVersion);
  if (major === undefined) return false;
  return major < (plugin.published ? FIRST_UNREAD_BY_PUBLISHED : LAST_READ_BY_PROJECT + 1);
}

/**
 * Said when llnode found no V8 heap it understands; `sign` is how that showed (`v8 nodeinfo`'s answer by
 * default).
 */
export function unreadableNote(
  plugin: LlnodePlugin,
  nodeVersion: string | undefined,
  sign = '"No process objects found"',
): string {
  return (
    `llnode (${describePlugin(plugin)}) could not read this core's V8 heap` +
    `${nodeVersion ? ` (Node ${nodeVersion})` : ""}: ${sign}. ` +
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
