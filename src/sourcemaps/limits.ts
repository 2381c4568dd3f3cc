/**
 * Bounds on what a dump's image or a build folder may hand the source-map reader. Maps and scripts are
 * untrusted: a file over its bound is skipped with a note, never read whole.
 */
export const SOURCE_MAP_LIMITS = {
  /** A map file, or an inline map's JSON: large bundles' maps are tens of megabytes. */
  mapBytes: 64 * 1024 * 1024,
  /** A script whose `sourceMappingURL` is read. */
  scriptBytes: 64 * 1024 * 1024,
  /** An original source file read for the line of code. */
  sourceBytes: 8 * 1024 * 1024,
  /** Scripts looked at in one report. */
  scripts: 50,
} as const;
