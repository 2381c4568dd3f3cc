import { type ExecutableResult, resolveExecutable } from "../binaries/resolve-executable.js";
import type { Catalog } from "../catalog/catalog.js";
import type { Dump } from "../catalog/dump.js";
import { type Machine, NotACoreError, NotElfError, readCoreSummary } from "../elf/index.js";
import { InterruptedError } from "../errors.js";
import { type FetchedDump, fetchDump, folderIdOf } from "../fetch/fetch-dump.js";
import type { Settings } from "../settings.js";
import { TransferProgress } from "../ui/transfer-progress.js";
import { writeHuman } from "../ui/untrusted-text.js";
import { interruptSignal } from "../util/interrupt.js";
import { DumpFolder, workdirFrom } from "../workspace/dump-folder.js";
import { openCatalog } from "./open-catalog.js";
import { pickDump } from "./pick-dump.js";
import type { StoreFlags } from "./store-options.js";

/** The flags of every command that fetches: fetch, debug, report. */
export interface FetchFlags extends StoreFlags {
  workdir?: string;
  force?: boolean;
  quiet?: boolean;
  binary?: string;
  /** commander's `--no-verify`: false when given. */
  verify?: boolean;
  insecureRegistry?: string[];
  /** commander's `--no-executable`: false when given. */
  executable?: boolean;
}

/** A dump on disk with the executable that produced it: what debug and report start from. */
export interface PreparedDump {
  catalog: Catalog;
  dump: Dump;
  folder: DumpFolder;
  fetched: FetchedDump;
  executable: ExecutableResult;
  /** The core's machine, and whether it lists its file mappings (NT_FILE); absent for what is not an ELF core. */
  core?: CoreFacts;
}

export interface CoreFacts {
  machine: Machine;
  hasFileNote: boolean;
}

/** The machine of a fetched core, from its headers and notes: the architecture that `info` and `report` name. */
export async function coreFacts(core: string): Promise<CoreFacts | undefined> {
  try {
    const summary = await readCoreSummary(core, { nodeVersion: false });
    return { machine: summary.machine, hasFileNote: summary.hasFileNote };
  } catch (error) {
    if (error instanceof NotElfError || error instanceof NotACoreError) return undefined;
    throw error;
  }
}

/** Resolves the id, fetches what is missing of the dump, and finds its executable, verified by build-id. */
export async function prepareDump(
  id: string | undefined,
  flags: FetchFlags,
  command: string,
  settings: Settings,
): Promise<PreparedDump> {
  const catalog = await openCatalog(flags, settings);
  const dump = await pickDump(catalog, id, command);
  return prepareChosenDump(catalog, dump, flags, settings);
}

/** Fetches what is missing of a dump already chosen, and finds its executable, verified by build-id. */
export async function prepareChosenDump(
  catalog: Catalog,
  dump: Dump,
  flags: FetchFlags,
  settings: Settings,
): Promise<PreparedDump> {
  const folder = new DumpFolder(workdirFrom(flags.workdir, settings), folderIdOf(dump));
  const say = (message: string) => {
    if (!flags.quiet) writeHuman(process.stderr, `coredump: ${message}\n`);
  };
  const fetched = await withInterrupt("interrupted: no core was written", (signal) => {
    const progress = new TransferProgress(
      `fetching ${dump.id.slice(0, 8)}`,
      !flags.quiet && process.stderr.isTTY === true,
    );
    return fetchDump(catalog.store, dump, folder, {
      force: flags.force === true,
      signal,
      onWait: (holder) => say(`waiting for coredump (pid ${holder}), which is fetching this dump too`),
      onStart: (bytes) => progress.start(bytes),
      onBytes: (count) => progress.add(count),
      onRetry: say,
      onNote: say,
      idleTimeoutMs: settings.limits.storeReadMs,
    }).finally(() => progress.stop());
  });
  const core = await coreFacts(folder.core);
  const facts = core ? { core } : {};
  if (flags.executable === false) {
    return {
      catalog,
      dump,
      folder,
      fetched,
      executable: { path: null, reason: "not looked for (--no-executable)" },
      ...facts,
    };
  }
  // The download's staging folder is removed at exit by the binary cache, however the process ends.
  const executable = await resolveExecutable({
    core: folder.core,
    images: dump.metadata?.images ?? [],
    cacheDir: settings.cacheDir,
    settings,
    verify: flags.verify !== false,
    insecureRegistries: flags.insecureRegistry ?? [],
    onProgress: say,
    onTransfer: (what) =>
      new TransferProgress(`executable: ${what}`, !flags.quiet && process.stderr.isTTY === true),
    ...(dump.exePath ? { exePath: dump.exePath } : {}),
    ...(flags.binary ? { binary: flags.binary } : {}),
  });
  return { catalog, dump, folder, fetched, executable, ...facts };
}

/**
 * Ctrl-C and SIGTERM abort the work cleanly instead of killing the process half-way: the process-wide
 * interruption (src/util/interrupt.ts), with what it means for this step.
 */
async function withInterrupt<T>(message: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const step = new AbortController();
  const onInterrupt = () => step.abort(new InterruptedError(message));
  if (interruptSignal.aborted) onInterrupt();
  interruptSignal.addEventListener("abort", onInterrupt, { once: true });
  try {
    return await work(step.signal);
  } finally {
    interruptSignal.removeEventListener("abort", onInterrupt);
  }
}
