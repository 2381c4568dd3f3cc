import type { CoreClues } from "../core-clues.js";

/** What starts the `.go.buildinfo` section of every Go executable since Go 1.13 (module and Go version). */
export const GO_BUILDINFO_MAGIC = Buffer.from("\xff Go buildinf:", "latin1");

/**
 * A Go program's core: the executable's first page (kept in the core with the ELF headers of each mapping)
 * holds the Go build ID note that Go's linker always writes, with or without a GNU build-id. Where the
 * kernel left out the ELF headers (`coredump_filter`), the `.go.buildinfo` magic in its written data.
 */
export async function isGoCore(clues: CoreClues): Promise<boolean> {
  const summary = await clues.summary();
  if (!summary) return false;
  const executable = summary.executable;
  if (executable?.goBuildId) return true;
  // The headers are there and hold no Go note: another linker made it.
  if (executable?.buildId) return false;
  return clues.memoryIncludes(GO_BUILDINFO_MAGIC);
}
