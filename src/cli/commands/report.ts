import { buildReport } from "../../report/build-report.js";
import { renderReport } from "../../report/render-report.js";
import { jsonText, writeHuman } from "../../ui/untrusted-text.js";
import { type FetchFlags, prepareDump } from "../prepare-dump.js";

export interface ReportFlags extends FetchFlags {
  json?: boolean;
}

export async function report(id: string | undefined, flags: ReportFlags): Promise<void> {
  const prepared = await prepareDump(id, flags, "report");
  const summary = await buildReport({ ...prepared, insecureRegistries: flags.insecureRegistry ?? [] });
  if (flags.json) process.stdout.write(jsonText(summary));
  else writeHuman(process.stdout, `${renderReport(summary)}\n`);
}
