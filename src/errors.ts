/**
 * A failure the user can act on: said in one line, with no stack trace. Anything else reaching the top
 * is a bug in coredump and is shown with its stack.
 */
export class ExpectedError extends Error {}

/** Bad usage: exit status 2. */
export class UsageError extends ExpectedError {
  override name = "UsageError";
}

/** Stopped by the user (Ctrl-C) or a signal: exit status 130, as shells report SIGINT. */
export class InterruptedError extends ExpectedError {
  override name = "InterruptedError";
}
