import { UnsupportedHeapError } from "./v8-constants.js";

/**
 * The Node majors whose official x64 and arm64 builds the reader is tested on (no pointer compression, no
 * sandbox). Adding a major is a row here and a test run: see docs/node-versions.md.
 */
export const SUPPORTED_NODE_MAJORS = [18, 20, 22, 24, 26];

/** How far the reader trusts a core's Node version. */
export interface NodeVersionSupport {
  version: string;
  /**
   * False for a major newer than any tested: it is read all the same (every offset comes from the
   * executable's own v8dbg_* constants, and the walk checks the pages' invariants), but labelled.
   */
  verified: boolean;
}

/** Whether the reader reads this Node version: a tested major, or one newer than all (tried, unverified). */
export function heapReads(version: string | undefined): boolean {
  const major = Number(version?.replace(/^v/, "").split(".")[0]);
  return (
    version !== undefined &&
    (SUPPORTED_NODE_MAJORS.includes(major) || major > Math.max(...SUPPORTED_NODE_MAJORS))
  );
}

/** The core's Node version and whether the reader was tested on its major; one line when it cannot read it. */
export function nodeVersionSupport(version: string | undefined): NodeVersionSupport {
  const major = Number(version?.split(".")[0]);
  if (version !== undefined && heapReads(version))
    return { version, verified: SUPPORTED_NODE_MAJORS.includes(major) };
  throw new UnsupportedHeapError(
    `${version ? `Node ${version}` : "this core's Node version (none found in its memory)"} is not supported: coredump heap reads the official x64 and arm64 builds of Node ${SUPPORTED_NODE_MAJORS.join(", ")} and tries later ones`,
  );
}
