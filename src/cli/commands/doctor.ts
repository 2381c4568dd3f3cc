import type { Settings } from "../../settings.js";
import { type Check, essentialsThere, runChecks } from "../doctor-checks.js";
import type { StoreFlags } from "../store-options.js";

/** Prints what coredump finds and what is missing; resolves to 0 when the essentials are there, else 1. */
export async function doctor(
  flags: StoreFlags & { json?: boolean; workdir?: string },
  settings: Settings,
): Promise<number> {
  const checks = await runChecks(flags, settings);
  const ok = essentialsThere(checks);
  if (flags.json) process.stdout.write(`${JSON.stringify({ ok, checks }, null, 2)}\n`);
  else process.stdout.write(`${checks.map(line).join("\n")}\n${ok ? "ready" : "not ready: see above"}\n`);
  return ok ? 0 : 1;
}

function line(check: Check): string {
  const mark = check.status === "ok" ? "ok     " : check.essential ? "MISSING" : "missing";
  const word = check.status === "failed" ? "FAILED " : mark;
  return `${word} ${check.name.padEnd(21)} ${check.detail}${check.fix ? `\n${" ".repeat(30)}${check.fix}` : ""}`;
}
