import { crashOfReport } from "../../groups/report-crash.js";
import { buildReport } from "../../report/build-report.js";
import { renderReport } from "../../report/render-report.js";
import { type FetchFlags, prepareDump } from "../prepare-dump.js";

export interface ReportFlags extends FetchFlags {
  json?: boolean;
}

export async function report(id: string | undefined, flags: ReportFlags): Promise<void> {
  const prepared = await prepareDump(id, flags, "report");
  const summary = await buildReport({ ...prepared, insecureRegistries: flags.insecureRegistry ?? [] });
  const crash = crashOfReport(summary);
  if (crash) await prepared.catalogue.rememberReport(prepared.dump, crash);
  process.stdout.write(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : `${renderReport(summary)}\n`);
}
