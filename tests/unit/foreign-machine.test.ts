/**
 * Debugging a core of another machine (issue 15): which gdb is taken, and which objcopy makes the
 * fast-start copy, with stand-in programs on a PATH of the test's own.
 */
import assert from "node:assert/strict";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { hostMachineName } from "../../src/debuggers/host-machine.js";
import { findGdb } from "../../src/debuggers/locate.js";
import { objcopyCandidates, strippedCopy } from "../../src/debuggers/strip-debug.js";
import { readSettings } from "../../src/settings.js";

const FOREIGN = hostMachineName() === "aarch64" ? "x86_64" : "aarch64";

async function program(folder: string, name: string, script: string): Promise<void> {
  await writeFile(path.join(folder, name), `#!/bin/sh\n${script}\n`);
  await chmod(path.join(folder, name), 0o755);
}

describe("a core of another machine", () => {
  let root = "";
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), "coredump-foreign-"));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("names the host as the kernel does", () => {
    assert.equal(hostMachineName("x64"), "x86_64");
    assert.equal(hostMachineName("arm64"), "aarch64");
  });

  it("gdb: gdb-multiarch for a foreign core, plain gdb for a native one, GDB when set", async () => {
    const both = await mkdtemp(path.join(root, "both-"));
    await program(both, "gdb", "exit 0");
    await program(both, "gdb-multiarch", "exit 0");
    const settings = { ...readSettings({}), path: both };
    assert.equal(findGdb(settings, FOREIGN), path.join(both, "gdb-multiarch"));
    assert.equal(findGdb(settings, hostMachineName()), path.join(both, "gdb"));
    assert.equal(findGdb(settings), path.join(both, "gdb"));
    const named = { ...readSettings({ GDB: path.join(both, "gdb") }), path: both };
    assert.equal(findGdb(named, FOREIGN), path.join(both, "gdb"));
  });

  it("gdb: a foreign core without gdb-multiarch says what to install, naming both machines", async () => {
    const plain = await mkdtemp(path.join(root, "plain-"));
    await program(plain, "gdb", "exit 0");
    const settings = { ...readSettings({}), path: plain };
    assert.throws(
      () => findGdb(settings, FOREIGN),
      (error: Error) =>
        error.message.includes(`this ${FOREIGN} core`) &&
        error.message.includes(hostMachineName()) &&
        error.message.includes("apt-get install gdb-multiarch"),
    );
  });

  it("the stripped copy: made by the first objcopy that reads the binary", async () => {
    const tools = await mkdtemp(path.join(root, "tools-"));
    // The host's objcopy refuses another machine's binary, as binutils does; llvm-objcopy reads any.
    await program(tools, "objcopy", 'echo "objcopy: $2: file format not recognized" >&2; exit 1');
    await program(tools, "llvm-objcopy-14", 'cp "$2" "$3"');
    assert.deepEqual(objcopyCandidates(tools), [
      path.join(tools, "objcopy"),
      path.join(tools, "llvm-objcopy-14"),
    ]);
    const binary = path.join(root, "node");
    await writeFile(binary, "an arm64 node");
    const cache = await mkdtemp(path.join(root, "cache-"));
    const copy = await strippedCopy(binary, "ab".repeat(20), cache, tools);
    assert.equal(copy, path.join(cache, "binaries", "ab".repeat(20), "node.nodebug"));
    assert.equal(await readFile(copy, "utf8"), "an arm64 node");
  });

  it("the stripped copy: the full binary when no objcopy reads it", async () => {
    const tools = await mkdtemp(path.join(root, "refusing-"));
    await program(tools, "objcopy", "exit 1");
    const binary = path.join(root, "node2");
    await writeFile(binary, "x");
    const cache = await mkdtemp(path.join(root, "cache-"));
    assert.equal(await strippedCopy(binary, "cd".repeat(20), cache, tools), binary);
  });
});
