import { ExpectedError, InterruptedError, UsageError } from "../errors.js";
import { redactUserinfo } from "../ui/redact.js";
import { writeHuman } from "../ui/untrusted-text.js";

/**
 * Prints an error as one line on stderr (its stack only for bugs, or when asked) and returns the exit
 * status. Messages quote keys and names from the bucket: their control characters are escaped, and a
 * password in a URL is redacted.
 */
export function renderError(error: unknown, withStack: boolean): number {
  const message = redactUserinfo(error instanceof Error ? error.message : String(error));
  writeHuman(process.stderr, `coredump: ${message}\n`);
  if (withStack || !(error instanceof ExpectedError)) {
    writeHuman(process.stderr, `${redactUserinfo(error instanceof Error ? (error.stack ?? "") : "")}\n`);
  }
  if (error instanceof InterruptedError) return 130;
  return error instanceof UsageError ? 2 : 1;
}
