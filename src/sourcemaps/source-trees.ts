import type { ImageInfo } from "../catalog/metadata.js";
import type { Settings } from "../settings.js";
import { FolderTree } from "./folder-tree.js";
import { ImageSourceTree } from "./image-source-tree.js";
import type { SourceTree } from "./source-tree.js";

/** Where a dump's scripts, maps and sources may be read: a build folder, the crashed container's image. */
export interface SourceTreesInput {
  images: readonly ImageInfo[];
  settings: Settings;
  insecureRegistries?: readonly string[];
  /** `--source-maps DIR`, else `COREDUMP_SOURCE_MAPS`: a build folder standing for the image. */
  folder?: string | undefined;
  onProgress?: (message: string) => void;
}

/**
 * The build folder first, when given; the crashed image where `readImage` (something names a map: a
 * service without maps sends no request for them) and its architecture is known.
 */
export function sourceTrees(
  input: SourceTreesInput,
  architecture: string | undefined,
  readImage: boolean,
): SourceTree[] {
  const trees: SourceTree[] = [];
  if (input.folder) trees.push(new FolderTree(input.folder));
  if (readImage && architecture && input.images.length > 0)
    trees.push(
      new ImageSourceTree({
        images: input.images,
        architecture,
        settings: input.settings,
        ...(input.insecureRegistries ? { insecureRegistries: input.insecureRegistries } : {}),
        ...(input.onProgress ? { onProgress: input.onProgress } : {}),
      }),
    );
  return trees;
}
