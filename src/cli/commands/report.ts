import { crashOfReport } from "../../groups/report-crash.js";
import { buildReport } from "../../report/build-report.js";
import { renderReport } from "../../report/render-report.js";
import type { Settings } from "../../settings.js";
import { jsonText, writeHuman } from "../../ui/untrusted-text.js";
import { type FetchFlags, prepareDump } from "../prepare-dump.js";
import { sourceMapsFolder } from "../source-maps-folder.js";

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
