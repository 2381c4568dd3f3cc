import { stat } from "node:fs/promises";
import path from "node:path";
import { ExpectedError, UsageError } from "../../errors.js";
import { crashOfReport } from "../../groups/report-crash.js";
import { buildReport } from "../../report/build-report.js";
import { renderReport } from "../../report/render-report.js";
import type { Settings } from "../../settings.js";
import { jsonText, writeHuman } from "../../ui/untrusted-text.js";
import { type FetchFlags, prepareDump } from "../prepare-dump.js";

/** The build folder of `--source-maps` or `COREDUMP_SOURCE_MAPS`, checked before any fetch. */
async function sourceMapsFolder(
  folder: string | undefined,
  flag: string | undefined,
): Promise<string | undefined> {
  if (folder === undefined) return undefined;
  const what = flag !== undefined ? `--source-maps ${flag}` : `COREDUMP_SOURCE_MAPS=${folder}`;
  const info = await stat(folder).catch(() => undefined);
  if (!info?.isDirectory()) {
    const message = `${what}: ${info ? "not a folder" : "no such folder"}; give the folder the service was built into`;
    // A flag is usage (exit 2); the variable is the environment's setting (exit 1).
    throw flag !== undefined ? new UsageError(message) : new ExpectedError(message);
  }
  return path.resolve(folder);
}

export interface ReportFlags extends FetchFlags {
  json?: boolean;
  sourceMaps?: string;
}

export async function report(id: string | undefined, flags: ReportFlags, settings: Settings): Promise<void> {
  const sourceMaps = await sourceMapsFolder(flags.sourceMaps ?? settings.sourceMapsDir, flags.sourceMaps);
  const prepared = await prepareDump(id, flags, "report", settings);
  const summary = await buildReport({
    ...prepared,
    insecureRegistries: flags.insecureRegistry ?? [],
    settings,
    ...(sourceMaps ? { sourceMaps } : {}),
    onProgress: (message) => {
      if (!flags.quiet) writeHuman(process.stderr, `coredump: source maps: ${message}\n`);
    },
  });
  const crash = crashOfReport(summary);
  if (crash) await prepared.catalog.rememberReport(prepared.dump, crash);
  if (flags.json) process.stdout.write(jsonText(summary));
  else writeHuman(process.stdout, `${renderReport(summary)}\n`);
}
