import { NoMatchError, UsageError } from "../catalog/resolve.js";
import { StoreError } from "../store/store.js";

/** Prints an error as one line on stderr (stack only when asked) and returns the exit status. */
export function renderError(error: unknown, withStack: boolean): number {
  const message = error instanceof Error ? error.message : String(error);
  const known = error instanceof UsageError || error instanceof NoMatchError || error instanceof StoreError;
  process.stderr.write(`coredump: ${message}\n`);
  if (withStack || !known) process.stderr.write(`${error instanceof Error ? (error.stack ?? "") : ""}\n`);
  return error instanceof UsageError ? 2 : 1;
}
