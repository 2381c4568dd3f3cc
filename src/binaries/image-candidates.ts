import type { ImageInfo } from "../catalog/metadata.js";
import { formatReference, type ImageReference, parseReference } from "../image/reference.js";

export interface ImageCandidate {
  reference: ImageReference;
  imageId?: string;
  container?: number;
}

/**
 * The references to try, in order: for each container's image, its repoDigests first (a tag may have
 * moved since the crash), then its tags (the 2020 format has only `repo:tag`). Unparsable ones are skipped.
 */
export function imageCandidates(images: readonly ImageInfo[]): ImageCandidate[] {
  const seen = new Set<string>();
  const candidates: ImageCandidate[] = [];
  for (const image of images) {
    for (const text of [...image.repoDigests, ...image.repoTags]) {
      let reference: ImageReference;
      try {
        reference = parseReference(text);
      } catch {
        continue;
      }
      const key = formatReference(reference);
      if (seen.has(key)) continue;
      seen.add(key);
      const candidate: ImageCandidate = { reference };
      if (image.id) candidate.imageId = image.id;
      if (image.container !== undefined) candidate.container = image.container;
      candidates.push(candidate);
    }
  }
  return candidates;
}
