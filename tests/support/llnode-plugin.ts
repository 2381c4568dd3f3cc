import path from "node:path";
import { execa } from "execa";
import { repoRoot } from "./repo-root.js";

const builds = new Map<string, Promise<string>>();

function build(variant: "published" | "project", fromEnv: string | undefined): Promise<string> {
  if (fromEnv) return Promise.resolve(fromEnv);
  let pending = builds.get(variant);
  if (!pending) {
    const args = [
      path.join(repoRoot(), "llnode", "build.sh"),
      ...(variant === "published" ? ["--published"] : []),
    ];
    pending = execa("bash", args).then((result) => result.stdout.trim());
    builds.set(variant, pending);
  }
  return pending;
}

/** llnode 4.0.0 as published, built by the project's script (scripts/test.sh builds it first). */
export function publishedLlnode(): Promise<string> {
  return build("published", process.env.COREDUMP_TEST_LLNODE_PUBLISHED);
}

/** The project's llnode: 4.0.0 with llnode/patches applied (scripts/test.sh builds it first). */
export function projectLlnode(): Promise<string> {
  return build("project", process.env.COREDUMP_TEST_LLNODE_PROJECT);
}
