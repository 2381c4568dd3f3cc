import { existsSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Settings } from "../settings.js";
import { installedLlnodePlugin, type LlnodePlugin, MissingToolError, projectBuilds } from "./locate.js";
import { which } from "./which.js";

/** `llnode/build.sh` in the installed package (this file is dist/src/debuggers/ under its root). */
export function llnodeBuildScript(): string {
  const script = fileURLToPath(new URL("../../../llnode/build.sh", import.meta.url));
  return existsSync(script) ? realpathSync(script) : script;
}

/** What the build needs that this machine lacks: Debian package names, empty when it can build. */
export async function missingForBuild(settings: Settings): Promise<string[]> {
  const missing: string[] = [];
  const major = which("lldb", settings.path) ? await lldbMajor(settings.env) : undefined;
  if (major === undefined) missing.push("lldb");
  if (major === undefined || !existsSync(lldbHeader(major))) missing.push("liblldb-dev");
  for (const tool of ["g++", "patch"]) if (!which(tool, settings.path)) missing.push(tool);
  return missing;
}

/** The header build.sh compiles against, for the lldb on PATH. */
export function lldbHeader(major: number): string {
  return `/usr/lib/llvm-${major}/include/lldb/API/LLDB.h`;
}

/** The major version of the lldb on PATH (`lldb version 14.0.6`), as build.sh reads it. */
export async function lldbMajor(env: NodeJS.ProcessEnv): Promise<number | undefined> {
  const { execa } = await import("execa");
  const result = await execa("lldb", ["--version"], { env, extendEnv: false, reject: false });
  const major = /^lldb version (\d+)/m.exec(result.stdout)?.[1];
  return major === undefined ? undefined : Number(major);
}

/**
 * The installed plugin; else, on first use, the project's llnode built into the cache by build.sh (which
 * holds a lock, so that two runs at once build it once), with one line on stderr saying so and how long
 * it took; else an error naming what to install and where build.sh is.
 */
export async function llnodePlugin(settings: Settings): Promise<LlnodePlugin> {
  const installed = installedLlnodePlugin(settings);
  if (installed) return installed;
  const script = llnodeBuildScript();
  const missing = await missingForBuild(settings);
  if (missing.length > 0) {
    throw new MissingToolError(
      `the llnode plugin is not installed, and building it needs ${missing.join(", ")}: ` +
        "`apt-get install lldb liblldb-dev g++` (Debian, Ubuntu), then run coredump again " +
        `(it builds the plugin itself) or \`bash ${script}\`; or set LLNODE_PLUGIN=/path/to/llnode.so`,
    );
  }
  return buildOnFirstUse(script, settings);
}

async function buildOnFirstUse(script: string, settings: Settings): Promise<LlnodePlugin> {
  process.stderr.write(
    "coredump: no llnode plugin is installed: building the project's llnode into the cache…",
  );
  const started = performance.now();
  const { execa } = await import("execa");
  const result = await execa("bash", [script], {
    env: { ...settings.env, COREDUMP_LLNODE_NO_INSTALL: "1" },
    extendEnv: false,
    reject: false,
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const built = result.stdout.trim().split("\n").at(-1);
  const plugin = projectBuilds(settings.cacheDir).find((candidate) => candidate.path === built);
  if (result.exitCode !== 0 || !plugin) {
    process.stderr.write(" failed\n");
    const why = result.stderr.trim().split("\n").at(-1) ?? `exit ${result.exitCode}`;
    throw new MissingToolError(
      `building the llnode plugin failed (${why}): run \`bash ${script}\` to see why, or set LLNODE_PLUGIN=/path/to/llnode.so`,
    );
  }
  // build.sh says "built … in N s" only when it compiled; otherwise another run built it while this one waited.
  const builtHere = /^built .* in \d+ s$/m.test(result.stderr);
  process.stderr.write(
    builtHere
      ? ` built in ${seconds} s: ${plugin.path}\n`
      : ` another run built it (waited ${seconds} s): ${plugin.path}\n`,
  );
  return plugin;
}
