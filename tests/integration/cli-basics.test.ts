import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { execa } from "execa";
import { coredump, freshCacheHome } from "../support/cli.js";
import { defaultSpec, looseDump, writeToDirectory } from "../support/handler-layout.js";
import { repoRoot } from "../support/repo-root.js";

describe("the command line itself", () => {
  it("exits 2 with one line on an unknown flag or verb, 0 on --help and --version", async () => {
    const unknown = await coredump(["list", "--bogus"]);
    assert.equal(unknown.exitCode, 2);
    assert.equal(unknown.stderr.trim(), "coredump: unknown option '--bogus'");
    assert.equal((await coredump(["lsit"])).exitCode, 2);
    assert.equal((await coredump(["--help"])).exitCode, 0);
    const version = await coredump(["--version"]);
    assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/);
  });

  it("stays quiet when the reader of its output goes away (coredump … | head)", async () => {
    // More JSON than a pipe holds, so that writing goes on after head has left.
    const folder = await mkdtemp(path.join(tmpdir(), "coredump-cores-"));
    await writeToDirectory(Array.from({ length: 400 }, () => looseDump(defaultSpec())).flat(), folder);
    const bin = path.join(repoRoot(), "bin", "coredump.js");
    const command = `node '${bin}' list --dir '${folder}' --json | head -1; echo "status \${PIPESTATUS[0]}"`;
    const result = await execa("bash", ["-c", command], { env: { XDG_CACHE_HOME: freshCacheHome() } });
    assert.match(result.stdout, /^\[/);
    assert.match(result.stdout, /status 0$/);
    assert.equal(result.stderr, "");
  });
});
