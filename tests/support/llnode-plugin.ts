import path from "node:path";
import { execa } from "execa";
import { repoRoot } from "./repo-root.js";

let published: Promise<string> | undefined;

/** llnode 4.0.0 as published, built by the project's script (scripts/test.sh builds it first). */
export function publishedLlnode(): Promise<string> {
  const fromEnv = process.env.COREDUMP_TEST_LLNODE_PUBLISHED;
  if (fromEnv) return Promise.resolve(fromEnv);
  published ??= execa("bash", [path.join(repoRoot(), "llnode", "build.sh"), "--published"]).then((result) =>
    result.stdout.trim(),
  );
  return published;
}
