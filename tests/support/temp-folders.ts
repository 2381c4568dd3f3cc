import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const made: string[] = [];

/**
 * A fresh folder under the temporary folder, removed when the test process exits: a test file makes
 * hundreds (a cache per CLI run, dumps of cores of hundreds of MB), and a suite's leftovers once filled the
 * disk of the machine that ran it.
 */
export function temporaryFolder(prefix: string): string {
  const folder = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(folder);
  return folder;
}

process.on("exit", () => {
  for (const folder of made) rmSync(folder, { recursive: true, force: true });
});
