import { ExpectedError } from "../errors.js";
/** A binary that was checked against the core and found to be another build. */
export interface CheckedBinary {
  /** Where it came from, for the message: a path, or an image and a path in it. */
  binary: string;
  buildId?: string;
}

/**
 * Only the binary that produced a core can read it, and debuggers do not warn: given another build they
 * print garbage frames and exit 0. So a wrong binary is an error that names both build-ids.
 */
export class BuildIdMismatchError extends ExpectedError {
  constructor(
    readonly coreBuildId: string,
    readonly checked: readonly CheckedBinary[],
    /** What the ids are: `build-id` (GNU), or `Go build ID`. */
    readonly proof: string = "build-id",
  ) {
    const found = checked
      .map((entry) => `${entry.binary} has ${proof} ${entry.buildId ?? "(none)"}`)
      .join("; ");
    super(
      `the core was made by ${proof} ${coreBuildId}, but ${found}: a debugger would show garbage with it; give the matching binary with --binary PATH, or pass --no-verify to accept it anyway`,
    );
    this.name = "BuildIdMismatchError";
  }
}
