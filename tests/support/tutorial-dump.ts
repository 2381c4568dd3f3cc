import { pushAppImage } from "./app-image.js";
import { crashSpec } from "./crash-dumps.js";
import type { DumpSpec, ImageSpec } from "./handler-layout.js";
import { officialNode } from "./node-builds.js";
import { type RealCore, realCore } from "./real-core.js";

/**
 * The tutorial's crash under one official Node build, as a dump whose image holds that build at
 * /usr/local/bin/node: the image is pushed to the rig's open registry as a fresh repository named after
 * `label` (`node-<version>` unless given). Returns the official build's path and the pushed image too.
 */
export async function tutorialDump(
  version: string,
  label = `node-${version}`,
): Promise<{ node: string; crash: RealCore; image: ImageSpec; spec: DumpSpec }> {
  const node = await officialNode(version);
  const crash = await realCore({ node });
  const image = await pushAppImage(node, "/usr/local/bin/node", label);
  const spec = crashSpec(crash, image);
  return { node, crash, image, spec };
}
