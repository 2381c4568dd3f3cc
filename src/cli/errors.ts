import { ExpectedError, InterruptedError, UsageError } from "../errors.js";

/** Prints an error as one line on stderr (its stack only for bugs, or when asked) and returns the exit status. */
export function renderError(error: unknown, withStack: boolean): number {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`coredump: ${message}\n`);
  if (withStack || !(error instanceof ExpectedError)) {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? "") : ""}\n`);
  }
  if (error instanceof InterruptedError) return 130;
  return error instanceof UsageError ? 2 : 1;
}
