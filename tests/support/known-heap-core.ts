/**
 * The core of a Node process with a known heap (tests/fixtures/known-heap/known-heap.js: 1234 Session
 * objects in a Map on the global object, 567 Item objects in an array a closure holds), per official Node
 * build. Generated once and cached under `<repo>/.cache/fixtures/known-heap-<version>-<sha256, 12 hex>/`,
 * published by renaming a complete staging folder.
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { memoised } from "./memo.js";
import { officialNode } from "./node-builds.js";
import { repoRoot } from "./repo-root.js";

export const KNOWN_SESSIONS = 1234;
export const KNOWN_ITEMS = 567;

export interface KnownHeapCore {
  core: string;
  node: string;
  version: string;
  pid: number;
}

const obtainOnce = memoised(obtain);

export function knownHeapCore(version: string): Promise<KnownHeapCore> {
  return obtainOnce(version);
}

async function obtain(version: string): Promise<KnownHeapCore> {
  const node = await officialNode(version);
  const script = await readFile(join(repoRoot(), "tests", "fixtures", "known-heap", "known-heap.js"));
  const fixtures = join(repoRoot(), ".cache", "fixtures");
  const hash = createHash("sha256").update(script).digest("hex").slice(0, 12);
  const entry = join(fixtures, `known-heap-${version}-${hash}`);
  const cached = await readEntry(entry, node, version);
  if (cached) return cached;
  const stage = join(fixtures, `.stage-known-heap-${process.pid}-${randomBytes(4).toString("hex")}`);
  await mkdir(stage, { recursive: true, mode: 0o700 });
  try {
    await writeFile(join(stage, "known-heap.js"), script);
    await writeFile(join(stage, "package.json"), '{ "type": "commonjs" }\n');
    const pid = await abortIn(stage, node);
    const name = (await readdir(stage)).find((file) => file === "core" || file === `core.${pid}`);
    if (!name) throw new Error(`knownHeapCore: Node ${version} aborted but left no core in ${stage}`);
    if (name !== "core") await rename(join(stage, name), join(stage, "core"));
    await chmod(join(stage, "core"), 0o600);
    const size = (await stat(join(stage, "core"))).size;
    await writeFile(join(stage, "meta.json"), `${JSON.stringify({ pid, size })}\n`);
    await rename(stage, entry).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
    });
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
  const fresh = await readEntry(entry, node, version);
  if (!fresh) throw new Error(`knownHeapCore: ${entry} is incomplete right after it was written`);
  return fresh;
}

function abortIn(cwd: string, node: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", 'ulimit -c unlimited; exec "$@"', "bash", node, "known-heap.js"], {
      cwd,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      stdio: "ignore",
    });
    child.on("error", reject);
    child.on("close", (_code, signal) => {
      if (signal === "SIGABRT" && child.pid !== undefined) resolve(child.pid);
      else reject(new Error(`knownHeapCore: known-heap.js ended with ${signal ?? "no signal"}, not SIGABRT`));
    });
  });
}

async function readEntry(entry: string, node: string, version: string): Promise<KnownHeapCore | undefined> {
  try {
    const meta = JSON.parse(await readFile(join(entry, "meta.json"), "utf8")) as {
      pid: number;
      size: number;
    };
    if ((await stat(join(entry, "core"))).size !== meta.size) return undefined;
    return { core: join(entry, "core"), node, version, pid: meta.pid };
  } catch {
    return undefined;
  }
}
