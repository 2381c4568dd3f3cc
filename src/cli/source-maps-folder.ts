import { stat } from "node:fs/promises";
import path from "node:path";
import { ExpectedError, UsageError } from "../errors.js";

/** The build folder of `--source-maps` or `COREDUMP_SOURCE_MAPS`, checked before any fetch. */
export async function sourceMapsFolder(
  folder: string | undefined,
  flag: string | undefined,
): Promise<string | undefined> {
  if (folder === undefined) return undefined;
  const what = flag !== undefined ? `--source-maps ${flag}` : `COREDUMP_SOURCE_MAPS=${folder}`;
  const info = await stat(folder).catch(() => undefined);
  if (!info?.isDirectory()) {
    const message = `${what}: ${info ? "not a folder" : "no such folder"}; give the folder the service was built into`;
    // A flag is usage (exit 2); the variable is the environment's setting (exit 1).
    throw flag !== undefined ? new UsageError(message) : new ExpectedError(message);
  }
  return path.resolve(folder);
}
