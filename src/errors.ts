/**
 * A failure the user can act on: said in one line, with no stack trace. Anything else reaching the top
 * is a bug in coredump and is shown with its stack.
 */
export class ExpectedError extends Error {}

/** Bad usage: exit status 2. */
export class UsageError extends ExpectedError {
  override name = "UsageError";
}
