import path from "node:path";
import type { CoreClues } from "../core-clues.js";
import type { Runtime } from "../runtime.js";

/**
 * A Node process's core: its memory names a Node version (`process.release.sourceUrl`), or its executable
 * is called node. The Node room's code (binaries/official-node, elf/node-version, debuggers/llnode-*,
 * report/, crashlog/, heap/) moves in here in a later round; this is its door.
 */
async function isNodeCore(clues: CoreClues): Promise<boolean> {
  if (isNodeName(await clues.executableName())) return true;
  return (await clues.nodeVersion()) !== undefined;
}

/** `node`, `nodejs`, llnode's copy `node.nodebug`: a path or a bare name. */
export function isNodeName(executable: string | null | undefined): boolean {
  return executable != null && /^node(js)?(\.nodebug)?$/.test(path.basename(executable));
}

export const nodeRuntime: Runtime = { name: "node", recognises: isNodeCore, debugger: "llnode" };
