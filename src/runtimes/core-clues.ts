import path from "node:path";
import {
  type CoreSummary,
  coreMemoryIncludes,
  NotACoreError,
  NotElfError,
  readCoreNodeVersion,
  readCoreSummary,
} from "../elf/index.js";

/**
 * What a core shows of the program that made it, each read once and remembered: its headers and notes
 * (with each mapped ELF's build-ids), the Node version its memory names, the executable's name. The
 * runtimes' recognisers ask in turn, the cheap questions first.
 */
export class CoreClues {
  private summaryRead?: Promise<CoreSummary | undefined>;
  private nodeVersionRead?: Promise<string | undefined>;

  constructor(
    readonly core: string,
    /** The executable's path where known (the dump's, or `--binary`): its name is a clue too. */
    readonly executable?: string,
  ) {}

  /** Headers, notes and the mapped files' build-ids; undefined for what is not an ELF core. */
  summary(): Promise<CoreSummary | undefined> {
    this.summaryRead ??= readCoreSummary(this.core, { nodeVersion: false }).catch((error: unknown) => {
      if (error instanceof NotElfError || error instanceof NotACoreError) return undefined;
      throw error;
    });
    return this.summaryRead;
  }

  /** The Node version the core's memory names: a scan of its memory, done once. */
  nodeVersion(): Promise<string | undefined> {
    this.nodeVersionRead ??= readCoreNodeVersion(this.core).catch((error: unknown) => {
      if (error instanceof NotElfError) return undefined;
      throw error;
    });
    return this.nodeVersionRead;
  }

  /** Whether the core's memory holds these bytes: a scan of its memory. */
  async memoryIncludes(needle: Buffer): Promise<boolean> {
    return (await this.summary()) !== undefined && coreMemoryIncludes(this.core, needle);
  }

  /** The executable's file name: the given path's, else the core's main mapping's. */
  async executableName(): Promise<string | undefined> {
    const named = this.executable ?? (await this.summary())?.executable?.path;
    return named === undefined ? undefined : path.basename(named);
  }
}
