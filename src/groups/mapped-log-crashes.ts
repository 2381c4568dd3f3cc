import type { Dump } from "../catalog/dump.js";
import type { ImageInfo } from "../catalog/metadata.js";
import { type CrashFacts, normalizeFrame } from "../crashlog/crash-signature.js";
import { ExpectedError } from "../errors.js";
import { scriptPathOf } from "../sourcemaps/script-path.js";
import { SourceMaps } from "../sourcemaps/source-maps.js";
import { type SourceTreesInput, sourceTrees } from "../sourcemaps/source-trees.js";

/** What the maps are read with; each batch reads its own image. */
export type LogMappingInput = Omit<SourceTreesInput, "images">;

/** One image's dumps whose logged frames are in its scripts. */
interface ImageBatch {
  images: readonly ImageInfo[];
  dumps: Dump[];
  scripts: Set<string>;
}

/**
 * The crashes container logs tell of (dumps no report has read), their frames named through the source
 * maps of each dump's image, as `report` names them: two builds of one service, minified differently, are
 * then one group. The maps are read once per image (an image pinned by digest from the cache, with no
 * request), and only where a crash's frames are in scripts. Whatever cannot be read leaves those frames
 * as the log printed them.
 */
export async function mapLogCrashes(
  dumps: readonly Dump[],
  input: LogMappingInput,
): Promise<Map<Dump, CrashFacts>> {
  const batches = new Map<string, ImageBatch>();
  for (const dump of dumps) {
    const at = dump.metadata?.crash?.at;
    const images = dump.metadata?.images ?? [];
    const key = images[0] ? (images[0].repoDigests[0] ?? images[0].id ?? images[0].repoTags[0]) : undefined;
    const scripts = (at ?? []).flatMap((frame) => scriptPathOf(frame.file) ?? []);
    if (scripts.length === 0 || (key === undefined && !input.folder)) continue;
    const batchKey = key ?? "(no image)";
    let batch = batches.get(batchKey);
    if (!batch) {
      batch = { images, dumps: [], scripts: new Set() };
      batches.set(batchKey, batch);
    }
    batch.dumps.push(dump);
    for (const script of scripts) batch.scripts.add(script);
  }
  const mapped = new Map<Dump, CrashFacts>();
  for (const batch of batches.values()) {
    // A bundle is the same JavaScript on every platform: the image's for this machine's architecture.
    const trees = sourceTrees(
      { ...input, images: batch.images },
      process.arch === "x64" ? "amd64" : process.arch,
      true,
    );
    // One image that cannot be read leaves its dumps' frames as printed, not the others'.
    const maps = await SourceMaps.load([...batch.scripts], trees).catch((error: unknown) => {
      if (!(error instanceof ExpectedError)) throw error;
      input.onProgress?.(`left unmapped: ${error.message}`);
      return undefined;
    });
    if (!maps) continue;
    for (const dump of batch.dumps) {
      const crash = dump.metadata?.crash;
      if (crash?.at) mapped.set(dump, namedAsWritten(crash, maps));
    }
  }
  return mapped;
}

/** The crash with its frames named where the maps map them: `displayName (src/users.ts)`. */
function namedAsWritten(crash: CrashFacts, maps: SourceMaps): CrashFacts {
  const placed = crash.at ?? [];
  const mappings = maps.mapStack(placed);
  const frames = crash.frames.map((printed, index) => {
    const original = mappings[index]?.original;
    return original && placed[index]
      ? normalizeFrame({ function: original.function, file: original.file })
      : printed;
  });
  return { ...crash, frames };
}
