/**
 * A small TypeScript service (tests/fixtures/ts-service: a controller calling a helper that reads
 * `profile.name` of a user without a profile), built as users ship it, crashed for real on an official
 * Node build, and run once more under `node --enable-source-maps`, whose stack is the truth a report's
 * mapped frames are checked against. Each (build, way of dying, Node version) is made once and cached
 * (fixture-cache.ts) with the build's output beside the core.
 */
import { execFile, spawn } from "node:child_process";
import { cp, readdir, readFile, realpath, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import {
  collectCore,
  plainCorePattern,
  readCoreEntry,
  runToCrash,
  shortHash,
  writeCoreMeta,
} from "./crash-core.js";
import type { CrashedNode } from "./crashed-process.js";
import { cachedFixture } from "./fixture-cache.js";
import { memoised } from "./memo.js";
import { officialNode } from "./node-builds.js";
import { repoRoot } from "./repo-root.js";

/**
 * tsc with external maps (no sourcesContent), or with inline maps and sources; esbuild minified with an
 * external map; esbuild with an inline one.
 */
export type ServiceBuild = "tsc" | "tsc-inline" | "esbuild" | "esbuild-inline";
/**
 * A timer's callback throws (an uncaught exception), a promise nobody awaits rejects, or sessions leak into
 * a Map until the heap is out of memory.
 */
export type ServiceDeath = "throw" | "reject" | "oom";
/** The old space of the out-of-memory death, in MB: small, so that it dies in seconds. */
const OOM_HEAP_MB = 24;

/** `stderr` is the container's log. */
export interface ServiceCrash extends CrashedNode {
  build: ServiceBuild;
  death: ServiceDeath;
  /** What the same program printed under `node --enable-source-maps` (nothing for "oom"). */
  mappedStderr: string;
  /** The folder the process ran in (since renamed): the image holds the build there. */
  cwdAsRun: string;
  /** The entry's folder: the build, as `[file here, path in the container]`. */
  files: Array<[string, string]>;
  /** The build's output folder here (`dist`, `bundle`, `inline` of the entry): what `--source-maps` is given. */
  outputFolder: string;
}

const SOURCE = join("tests", "fixtures", "ts-service", "src");
const ENTRY: Record<ServiceBuild, { folder: string; script: string }> = {
  tsc: { folder: "dist", script: "dist/server.js" },
  "tsc-inline": { folder: "dist", script: "dist/server.js" },
  esbuild: { folder: "bundle", script: "bundle/server.mjs" },
  "esbuild-inline": { folder: "inline", script: "inline/server.mjs" },
};
const RUN_TIMEOUT_MS = 120_000;

const obtainOnce = memoised((key) => {
  const [build, death, version] = key.split(" ") as [ServiceBuild, ServiceDeath, string];
  return obtain(build, death, version);
});

/** The cached crash of the service built `build`, dying `death`, on the official Node `version`. */
export function serviceCrash(
  build: ServiceBuild,
  death: ServiceDeath,
  version: string,
): Promise<ServiceCrash> {
  return obtainOnce(`${build} ${death} ${version}`);
}

/** A frame as a Node stack prints it (`at fn (file:l:c)`, `at file:l:c`); `<anonymous>` is an empty name. */
export interface PrintedFrame {
  function: string;
  file: string;
  line: number;
  column: number;
}

/**
 * The frames of the stacks in `text`: Node's (`    at fn (file:l:c)`, `    at file:l:c`) and the one V8 prints
 * before it aborts (`fn (file:l:c)`, one a line).
 */
export function printedFrames(text: string): PrintedFrame[] {
  const frames: PrintedFrame[] = [];
  for (const match of text.matchAll(
    /^(?: {4}at )?(?:(\S.*?) \((.+):(\d+):(\d+)\)| {4}at (.+):(\d+):(\d+))$/gm,
  )) {
    const named = match[1] !== undefined;
    frames.push({
      function: named && match[1] !== "<anonymous>" ? (match[1] ?? "") : "",
      file: (named ? match[2] : match[5]) ?? "",
      line: Number(named ? match[3] : match[6]),
      column: Number(named ? match[4] : match[7]),
    });
  }
  return frames;
}

async function obtain(build: ServiceBuild, death: ServiceDeath, version: string): Promise<ServiceCrash> {
  const node = await realpath(await officialNode(version));
  const sources = await readSources();
  const name = `srcmaps-${build}-${death}-v${version}-${shortHash(Buffer.concat([...sources.values()]))}`;
  type Fields = Omit<ServiceCrash, "core" | "node" | "files" | "outputFolder">;
  return cachedFixture({
    name,
    read: async (entry) => {
      const fields = await readCoreEntry<Fields>(entry);
      if (!fields) return undefined;
      const files = await listFiles(entry, ["src", ENTRY[build].folder]);
      return {
        ...fields,
        node,
        files: files.map((file) => [join(entry, file), join(fields.cwdAsRun, file)] as [string, string]),
        outputFolder: join(entry, ENTRY[build].folder),
      };
    },
    make: async (stage) => {
      const started = performance.now();
      const corePattern = await plainCorePattern();
      await cp(join(repoRoot(), SOURCE), join(stage, "src"), { recursive: true });
      await writeFile(join(stage, "package.json"), '{ "type": "commonjs" }\n');
      const cwd = await realpath(stage);
      await buildService(build, cwd);
      const script = ENTRY[build].script;
      // An out-of-memory death prints no JS stack to map.
      const mapped =
        death === "oom" ? "" : await runToExit(node, ["--enable-source-maps", script, death], cwd);
      const crash = await runToCrash({
        node,
        args: [
          death === "oom" ? `--max-old-space-size=${OOM_HEAP_MB}` : "--abort-on-uncaught-exception",
          script,
          death,
        ],
        cwd,
        timeoutMs: RUN_TIMEOUT_MS,
      });
      await collectCore(stage, crash.pid, corePattern);
      const fields: Fields = {
        build,
        death,
        nodeVersion: `v${version}`,
        pid: crash.pid,
        signal: crash.signal,
        stderr: crash.stderr,
        mappedStderr: mapped,
        cwdAsRun: cwd,
      };
      await writeCoreMeta(stage, fields, started);
    },
  });
}

async function readSources(): Promise<Map<string, Buffer>> {
  const folder = join(repoRoot(), SOURCE);
  const names = (await readdir(folder)).sort();
  return new Map(
    await Promise.all(names.map(async (name) => [name, await readFile(join(folder, name))] as const)),
  );
}

async function buildService(build: ServiceBuild, cwd: string): Promise<void> {
  const bin = join(repoRoot(), "node_modules", ".bin");
  const run = (program: string, args: string[]) => promisify(execFile)(join(bin, program), args, { cwd });
  if (build === "tsc" || build === "tsc-inline") {
    await run("tsc", [
      ...["--target", "ES2022", "--module", "commonjs", "--strict"],
      ...(build === "tsc" ? ["--sourceMap"] : ["--inlineSourceMap", "--inlineSources"]),
      ...["--rootDir", "src", "--outDir", "dist"],
      ...["--typeRoots", join(repoRoot(), "node_modules", "@types"), "--types", "node"],
      "src/server.ts",
      "src/users.ts",
    ]);
    return;
  }
  const inline = build === "esbuild-inline";
  await run("esbuild", [
    "src/server.ts",
    ...["--bundle", "--minify", "--platform=node", "--format=esm", "--log-level=warning"],
    inline ? "--sourcemap=inline" : "--sourcemap",
    `--outfile=${ENTRY[build].script}`,
  ]);
}

/** Runs node until it exits by itself (non-zero, as an uncaught error does); its stderr. */
function runToExit(node: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, args, { cwd, env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0 || code === null) reject(new Error(`${args.join(" ")} ended with ${code}\n${stderr}`));
      else resolve(stderr);
    });
  });
}

/** The files under `folders` of `root`, as paths relative to it. */
async function listFiles(root: string, folders: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const folder of folders) {
    for (const entry of await readdir(join(root, folder), { recursive: true, withFileTypes: true }))
      if (entry.isFile()) files.push(relative(root, join(entry.parentPath, entry.name)));
  }
  return files.sort();
}
