import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { ExpectedError } from "../errors.js";
import type { Settings } from "../settings.js";
import { hostMachineName } from "./host-machine.js";
import { which } from "./which.js";

/** The llnode plugin lldb loads, and where it was found. */
export interface LlnodePlugin {
  path: string;
  /** `LLNODE_PLUGIN`, `the project's build`, `llnode 4.0.0 as published`, `npm (global)`, `npm (local)`. */
  origin: string;
  /** The lldb major version it was built against, where its folder says. */
  lldbMajor?: number;
  /** llnode 4.0.0 as published (npm, or the project's build without patches): it reads Node 16 to 20 only. */
  published: boolean;
}

/** npm's llnode and the project's unpatched build are llnode 4.0.0 as published. */
function isPublished(plugin: string): boolean {
  return /-published-lldb\d+\/|\/node_modules\/llnode\//.test(plugin);
}

export class MissingToolError extends ExpectedError {
  override name = "MissingToolError";
}

/**
 * The plugin that is installed, first that exists: `LLNODE_PLUGIN`; the project's own build in the cache
 * (patched before as-published, newest first); an npm install of llnode, global or beside coredump.
 * Undefined when there is none (the first use builds one: llnode-first-use.ts); a `LLNODE_PLUGIN` that
 * names no file is the user's mistake, and an error.
 */
export function installedLlnodePlugin(settings: Settings): LlnodePlugin | undefined {
  const named = settings.llnodePlugin;
  if (named) {
    if (!existsSync(named))
      throw new MissingToolError(
        `LLNODE_PLUGIN=${named} does not exist: name a built llnode.so, or unset it to use the project's build`,
      );
    return { path: named, origin: "LLNODE_PLUGIN", published: isPublished(named) };
  }
  const built = projectBuilds(settings.cacheDir)[0];
  if (built) return built;
  for (const [folder, origin] of npmFolders(settings.npmPrefix)) {
    const candidate = path.join(folder, "llnode", "llnode.so");
    if (existsSync(candidate)) return { path: candidate, origin, published: true };
  }
  return undefined;
}

/** The project's builds, `<cache>/llnode/<llnode version>-<patches>-lldb<N>/llnode.so`, best first. */
export function projectBuilds(cacheDir: string): LlnodePlugin[] {
  const root = path.join(cacheDir, "llnode");
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((folder) => ({ folder, plugin: path.join(root, folder, "llnode.so") }))
    .filter(({ plugin }) => existsSync(plugin))
    .map(({ folder, plugin }) => {
      const published = folder.includes("-published-");
      const major = /-lldb(\d+)$/.exec(folder)?.[1];
      return {
        path: plugin,
        origin: published ? "llnode 4.0.0 as published" : "the project's build",
        published,
        ...(major ? { lldbMajor: Number(major) } : {}),
        rank: (published ? 0 : 1e15) + statSync(plugin).mtimeMs,
      };
    })
    .sort((a, b) => b.rank - a.rank)
    .map(({ rank: _rank, ...plugin }) => plugin);
}

function npmFolders(prefix: string | undefined): Array<[string, string]> {
  const folders: Array<[string, string]> = [];
  if (prefix) folders.push([path.join(prefix, "lib", "node_modules"), "npm (global)"]);
  folders.push([path.join(path.dirname(process.execPath), "..", "lib", "node_modules"), "npm (global)"]);
  folders.push(["/usr/lib/node_modules", "npm (global)"], ["/usr/local/lib/node_modules", "npm (global)"]);
  folders.push([path.join(process.cwd(), "node_modules"), "npm (local)"]);
  return folders;
}

/** `LLDB`, else the lldb the plugin was built for (`lldb-14`), else `lldb` on PATH. */
export function findLldb(plugin: LlnodePlugin | undefined, settings: Settings): string {
  const candidates = [settings.lldb, plugin?.lldbMajor ? `lldb-${plugin.lldbMajor}` : undefined, "lldb"];
  for (const candidate of candidates) {
    const found = candidate ? which(candidate, settings.path) : undefined;
    if (found) return found;
  }
  throw new MissingToolError(
    "lldb is not installed: `apt-get install lldb` (Debian, Ubuntu), or set LLDB=/path/to/lldb",
  );
}

/** `DLV`, else Delve's `dlv` on PATH: Go's own debugger, which reads goroutines from a core. */
export function findDlv(settings: Settings): string {
  const found = which(settings.dlv, settings.path);
  if (!found)
    throw new MissingToolError(
      "delve (dlv) is not installed, which reads Go cores: `apt-get install delve` (Debian, Ubuntu), `go install github.com/go-delve/delve/cmd/dlv@latest`, or set DLV=/path/to/dlv; or pass --debugger gdb",
    );
  return found;
}

/**
 * `GDB`, else gdb on PATH. A core of another machine (an aarch64 core on an x86-64 debug pod) needs a gdb
 * built for every architecture: `gdb-multiarch` is taken first then, and named when missing, since a
 * single-architecture gdb would load the core and print nothing it can use.
 */
export function findGdb(settings: Settings, coreMachine?: string): string {
  const host = hostMachineName();
  const foreign = coreMachine !== undefined && coreMachine !== host && settings.gdb === "gdb";
  if (foreign) {
    const multiarch = which("gdb-multiarch", settings.path);
    if (multiarch) return multiarch;
    throw new MissingToolError(
      `gdb-multiarch is not installed: this ${coreMachine} core needs a gdb that reads ${coreMachine} on this ${host} machine: \`apt-get install gdb-multiarch\` (Debian, Ubuntu), or set GDB=/path/to/gdb`,
    );
  }
  const found = which(settings.gdb, settings.path);
  if (!found)
    throw new MissingToolError(
      "gdb is not installed: `apt-get install gdb` (Debian, Ubuntu), or set GDB=/path/to/gdb",
    );
  return found;
}
