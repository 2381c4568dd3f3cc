import type { ImageSpec } from "./handler-layout.js";
import { buildLayer, fileFromDisk, type LayerMember, parents } from "./oci-layer.js";
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
  const relative = inImage.replace(/^\//, "");
  return pushLayers(label, [
    await baseLayer(baseFiles),
    [...parents(relative), await fileFromDisk(relative, executable)],
  ]);
}

/** Pushes an image of one base layer holding `files` (`[on this machine, in the image]`): a service's build. */
export async function pushFilesImage(
  files: ReadonlyArray<[string, string]>,
  label: string,
): Promise<ImageSpec> {
  return pushLayers(label, [await baseLayer(files)]);
}

async function baseLayer(files: ReadonlyArray<[string, string]>): Promise<LayerMember[]> {
  const base = [...fileAt("etc/debian_version", fakeBinary("base"))];
  for (const [source, target] of files) {
    const inBase = target.replace(/^\//, "");
    const present = new Set(base.map((member) => ("path" in member ? member.path : member.directory)));
    base.push(...parents(inBase).filter((folder) => "path" in folder && !present.has(folder.path)));
    base.push(await fileFromDisk(inBase, source));
  }
  return base;
}

async function pushLayers(label: string, layers: LayerMember[][]): Promise<ImageSpec> {
  const registry = rigRegistry();
  const repository = freshRepository(label);
  const image = await new OciPusher(registry.open).pushImage(repository, "v1", {
    layers: await Promise.all(layers.map((members) => buildLayer(members))),
  });
  return {
    repo: `${registry.open}/${repository}`,
    tag: "v1",
    digest: image.manifest.digest,
    id: image.config.digest,
  };
}
