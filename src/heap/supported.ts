import { UnsupportedHeapError } from "./v8-constants.js";

/** The Node majors whose official x64 builds the reader knows (no pointer compression, no sandbox). */
export const SUPPORTED_NODE_MAJORS = [18, 20, 22, 24];

/** The core's Node version when it is one the reader supports; else one line saying what is. */
export function supportedNodeVersion(version: string | undefined): string {
  const major = Number(version?.split(".")[0]);
  if (version === undefined || !SUPPORTED_NODE_MAJORS.includes(major)) {
    throw new UnsupportedHeapError(
      `${version ? `Node ${version}` : "this core's Node version (none found in its memory)"} is not supported: coredump heap reads the official x64 and arm64 builds of Node ${SUPPORTED_NODE_MAJORS.join(", ")}`,
    );
  }
  return version;
}
