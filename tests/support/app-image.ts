import type { ImageSpec } from "./handler-layout.js";
import { buildLayer, fileFromDisk, parents } from "./oci-layer.js";
import { OciPusher } from "./oci-push.js";
import { fakeBinary, fileAt, freshRepository } from "./registry-images.js";
import { rigRegistry } from "./registry-rig.js";

/**
 * Pushes a two-layer image to the rig's open registry, a base and the executable at `inImage`, as a
 * crashed container's image would be, and returns it the way image-info names it.
 */
export async function pushAppImage(
  executable: string,
  inImage: string,
  label: string,
  /** More files for the base layer, `[on this machine, in the image]`: shared libraries, say. */
  baseFiles: ReadonlyArray<[string, string]> = [],
): Promise<ImageSpec> {
  const registry = rigRegistry();
  const repository = freshRepository(label);
  const relative = inImage.replace(/^\//, "");
  const base = [...fileAt("etc/debian_version", fakeBinary("base"))];
  for (const [source, target] of baseFiles) {
    const inBase = target.replace(/^\//, "");
    const present = new Set(base.map((member) => ("path" in member ? member.path : member.directory)));
    base.push(...parents(inBase).filter((folder) => "path" in folder && !present.has(folder.path)));
    base.push(await fileFromDisk(inBase, source));
  }
  const image = await new OciPusher(registry.open).pushImage(repository, "v1", {
    layers: [
      await buildLayer(base),
      await buildLayer([...parents(relative), await fileFromDisk(relative, executable)]),
    ],
  });
  return {
    repo: `${registry.open}/${repository}`,
    tag: "v1",
    digest: image.manifest.digest,
    id: image.config.digest,
  };
}
