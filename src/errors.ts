/**
 * How coredump fails: one style for each kind of failure. Pick the row; do not add a style.
 *
 * 1. Something the user can act on ends the command: throw an ExpectedError (a subclass per room:
 *    StoreError, RegistryError, MissingToolError, UsageError …) whose message is one line that says what
 *    to do next. The CLI prints it without a stack (src/cli/errors.ts): exit 1, or 2 for a UsageError.
 * 2. Something that may well not be there is a typed result, never an exception: `undefined` where the
 *    absence needs no words (installedLlnodePlugin, s3ConfigFrom), a result that says why where it does
 *    (resolveExecutable's `{ path: null, reason }`, a dump's `state`).
 * 3. In a batch of independent look-ups, each item's outcome is a value, a failed one the ExpectedError
 *    that would have been thrown for it alone (pullFilesFromImage, LayerWalk.findEach): one missing
 *    library does not hide the others. The caller throws it, or goes on without that item.
 * 4. What was wrong in data that could still be read (a dump's malformed JSON file) goes into the
 *    result's `problems`: notes shown to the user, not failures.
 *
 * Anything else reaching the top is a bug in coredump and is shown with its stack.
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
