import { ExpectedError } from "../errors.js";
import type { PreparedDump } from "./prepare-dump.js";

/** The verified executable's path, or one line saying how to give one. */
export function requireExecutable(prepared: PreparedDump, command: string): string {
  const { executable } = prepared;
  if (executable.path === null) {
    throw new ExpectedError(
      `no executable for this core (${executable.reason}): coredump ${command} needs node's symbols; give it with --binary PATH`,
    );
  }
  return executable.path;
}
