import { type CoreSummary, readCoreSummary } from "./core-summary.js";
import { type NonZeroRun, nonZeroRuns } from "./nonzero-runs.js";

/**
 * A core on disk and what has been read of it: the stages of a report ask this object, and each part is
 * read once, however many stages ask (its headers and notes; its non-zero runs, a read of the whole file).
 */
export class CoreFile {
  private summaryRead: Promise<CoreSummary> | undefined;
  private runsRead: Promise<NonZeroRun[]> | undefined;

  constructor(readonly path: string) {}

  /** Its notes, mappings and crashed thread (readCoreSummary, without the Node version search). */
  summary(): Promise<CoreSummary> {
    this.summaryRead ??= readCoreSummary(this.path, { nodeVersion: false });
    return this.summaryRead;
  }

  /** The runs of its memory that hold something, of every dumped segment. */
  nonZeroRuns(): Promise<NonZeroRun[]> {
    this.runsRead ??= nonZeroRuns(this.path);
    return this.runsRead;
  }
}
