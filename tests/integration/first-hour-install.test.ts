import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { execa } from "execa";
import { cliEnvironment } from "../support/cli.js";
import { defaultSpec, looseDump, writeToDirectory } from "../support/handler-layout.js";
import { realCore } from "../support/real-core.js";
import { repoRoot } from "../support/repo-root.js";

describe("the package installed as a user installs it (npm pack, then npm install -g of the tarball)", () => {
  it("puts coredump on PATH: --version and list --dir run from the global install", {
    timeout: 10 * 60_000,
  }, async () => {
    const root = repoRoot();
    const work = await mkdtemp(path.join(tmpdir(), "coredump-install-"));
    // What was built (dist/src) is what is packed: the package has no build step of its own.
    const packed = await execa("npm", ["pack", "--silent", "--pack-destination", work], { cwd: root });
    const tarball = path.join(work, packed.stdout.trim().split("\n").at(-1) ?? "");
    const prefix = path.join(work, "prefix");
    // The dependencies come from npm's cache where the project's own `npm ci` left them.
    const installed = await execa(
      "npm",
      ["install", "--global", "--prefer-offline", "--no-audit", "--no-fund", "--prefix", prefix, tarball],
      { cwd: work, reject: false },
    );
    assert.equal(installed.exitCode, 0, installed.stderr);

    const env = cliEnvironment({ PATH: `${path.join(prefix, "bin")}:${process.env.PATH ?? ""}` });
    const shell = (command: string) =>
      execa("bash", ["-c", command], { cwd: work, env, extendEnv: false, reject: false });
    assert.equal((await shell("command -v coredump")).stdout, path.join(prefix, "bin", "coredump"));
    const version = await shell("coredump --version");
    assert.equal(version.exitCode, 0, version.stderr);
    const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
      name: string;
      version: string;
    };
    assert.equal(version.stdout.trim(), manifest.version);

    const { core, pid, signal } = await realCore();
    const spec = defaultSpec({ core, pid, signal });
    const cores = path.join(work, "cores");
    await writeToDirectory(looseDump(spec), cores);
    const list = await shell(`coredump list --dir '${cores}' --json`);
    assert.equal(list.exitCode, 0, list.stderr);
    assert.deepEqual(
      (JSON.parse(list.stdout) as Array<{ id: string; state: string }>).map(({ id, state }) => ({
        id,
        state,
      })),
      [{ id: spec.uuid, state: "present" }],
    );
    // What `debug` and `report` build on first use travels with the package.
    const installedRoot = path.join(prefix, "lib", "node_modules", manifest.name);
    for (const file of ["llnode/build.sh", "scripts/lib/ensure.sh"])
      assert.ok(existsSync(path.join(installedRoot, file)), file);
  });
});
