import assert from "node:assert/strict";
import { mkdtemp, readdir, realpath, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { which } from "../../src/debuggers/which.js";
import { coredump, freshCacheHome } from "../support/cli.js";
import { defaultSpec, writeToDirectory, zipDump } from "../support/handler-layout.js";
import { officialNode } from "../support/node-builds.js";
import { type RealCore, realCore } from "../support/real-core.js";
import { repoRoot } from "../support/repo-root.js";

const BUILT =
  /no llnode plugin is installed: building the project's llnode into the cache… built in \d+\.\d s: /;

describe("debug on a fresh cache, with no llnode plugin installed", () => {
  let node: string;
  let crash: RealCore;
  let store: string;
  let id: string;

  before(async () => {
    node = await officialNode("20.20.2");
    crash = await realCore({ node });
    const spec = defaultSpec({ core: crash.core, pid: crash.pid, signal: crash.signal });
    id = spec.uuid;
    store = await mkdtemp(path.join(tmpdir(), "coredump-first-use-"));
    await writeToDirectory(zipDump(spec), store);
  });

  const debugBatch = (cache: string, extra: Record<string, string> = {}) =>
    coredump(
      [
        "debug",
        id,
        "--dir",
        store,
        "--binary",
        node,
        "--workdir",
        path.join(cache, "work"),
        "--batch",
        "-o",
        "v8 bt",
      ],
      { XDG_CACHE_HOME: cache, LLNODE_PLUGIN: undefined, ...extra },
    );

  it("two `debug --batch` at once build the project's llnode once, and both read the core with it", async () => {
    const cache = freshCacheHome();
    const [first, second] = await Promise.all([debugBatch(cache), debugBatch(cache)]);
    for (const result of [first, second]) {
      assert.equal(result.exitCode, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`myRequestListener\\(.*\\) at ${crash.scriptAsRun}:\\d+:\\d+`));
      assert.match(result.stderr, /llnode plugin: the project's build/);
    }
    const builds = [first, second].filter((result) => BUILT.test(result.stderr));
    assert.equal(builds.length, 1, `${first.stderr}\n---\n${second.stderr}`);
    const folders = (await readdir(path.join(cache, "coredump", "llnode"))).filter(
      (name) => !name.startsWith("."),
    );
    assert.equal(folders.length, 1, folders.join(", "));
    const again = await debugBatch(cache);
    assert.equal(again.exitCode, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /building/, "the second use builds nothing");
  });

  it("without g++, says in one line what to install and where build.sh is, and exits 1", async () => {
    const bin = await mkdtemp(path.join(tmpdir(), "coredump-no-gxx-"));
    for (const tool of ["lldb", "objcopy"]) {
      const found = which(tool, process.env.PATH ?? "");
      if (found) await symlink(found, path.join(bin, tool));
    }
    const result = await debugBatch(freshCacheHome(), { PATH: bin });
    assert.equal(result.exitCode, 1, result.stderr);
    const lines = result.stderr.trim().split("\n");
    const line = lines.at(-1) ?? "";
    assert.match(line, /the llnode plugin is not installed, and building it needs g\+\+/);
    assert.match(line, /apt-get install lldb liblldb-dev g\+\+/);
    assert.ok(line.includes(`bash ${await realpath(path.join(repoRoot(), "llnode", "build.sh"))}`), line);
    assert.doesNotMatch(result.stderr, /building the project's llnode/);
  });
});
