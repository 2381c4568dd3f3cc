import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import {
  NotACoreError,
  NotAnExecutableError,
  NotElfError,
  readCoreNodeVersion,
  readCoreSummary,
  readExecutableInfo,
} from "../../src/elf/index.js";
import { bytesReadBy } from "../support/bytes-read.js";
import { officialNode } from "../support/node-builds.js";
import { realCore } from "../support/real-core.js";

/** The modules `eu-unstrip -n --core` (elfutils, an independent reader) finds: start address and build-id. */
async function euUnstrip(core: string): Promise<Array<{ start: number; buildId: string; name: string }>> {
  const { stdout } = await promisify(execFile)("eu-unstrip", ["-n", "--core", core]);
  return stdout
    .trim()
    .split("\n")
    .map((line) => {
      const [range = "", id = "", , , name = ""] = line.split(/\s+/);
      return { start: Number.parseInt(range.split("+")[0] ?? "", 16), buildId: id.split("@")[0] ?? "", name };
    });
}

const versions = [
  { label: "Node 18 (official build from npm)", node: () => officialNode("18.20.4") },
  {
    label: `Node ${process.versions.node.split(".")[0]} (the Node running the tests)`,
    node: async () => process.execPath,
  },
];

for (const version of versions) {
  describe(`a real core of ${version.label}`, () => {
    it("names the executable, its build-id and machine as eu-unstrip and the binary itself do", async () => {
      const real = await realCore({ node: await version.node() });
      const summary = await readCoreSummary(real.core);
      const binary = await readExecutableInfo(real.node);
      assert.equal(summary.machine.name, process.arch === "arm64" ? "aarch64" : "x86_64");
      assert.equal(summary.executable?.path, real.node);
      assert.ok(binary.buildId, "official node binaries carry a build-id");
      assert.equal(summary.executable?.buildId, binary.buildId);
      if (real.nodeVersion === "v18.20.4")
        assert.equal(binary.buildId, "bdc3f4212a228d03a64d92f350b4a3acf92ff96c");

      const theirs = await euUnstrip(real.core);
      const main = theirs.find((module) => module.start === summary.executable?.start);
      assert.equal(main?.buildId, binary.buildId);
      for (const module of theirs.filter((entry) => !entry.name.startsWith("linux-vdso"))) {
        const ours = summary.modules.find((entry) => entry.start === module.start);
        assert.equal(
          ours?.buildId,
          module.buildId,
          `module at 0x${module.start.toString(16)} (${module.name})`,
        );
      }
    });

    it("reads the command line, the file mappings and the Node version", async () => {
      const real = await realCore({ node: await version.node() });
      const summary = await readCoreSummary(real.core);
      assert.equal(summary.process?.fname, "node");
      // The kernel keeps 79 characters of the command line.
      const commandLine = `${real.node} --abort-on-uncaught-exception server.js`;
      assert.equal(summary.process?.psargs, commandLine.slice(0, 79).trimEnd());
      const mapped = summary.mappings.filter((mapping) => mapping.path === real.node);
      assert.ok(mapped.length >= 2, "the executable is mapped in several segments");
      assert.equal(mapped[0]?.fileOffset, 0);
      assert.ok(summary.mappings.some((mapping) => /libc\.so/.test(mapping.path)));
      assert.equal(summary.nodeVersion, real.nodeVersion.slice(1));
      assert.equal(await readCoreNodeVersion(real.core), real.nodeVersion.slice(1));
    });
  });
}

describe("files that are not what they are taken for", () => {
  it("refuses a binary as a core, a core as a binary, and text as either", async () => {
    const real = await realCore();
    await assert.rejects(readCoreSummary(real.node), NotACoreError);
    await assert.rejects(readExecutableInfo(real.core), NotAnExecutableError);
    const text = path.join(tmpdir(), `coredump-not-elf-${process.pid}`);
    await writeFile(text, '#!/bin/sh\nexec node "$@"\n');
    await assert.rejects(readCoreSummary(text), NotElfError);
    await assert.rejects(readExecutableInfo(text), NotElfError);
  });

  it("summarises a core without scanning its memory: it reads a small part of the file", async () => {
    const real = await realCore();
    const { result: summary, bytes } = await bytesReadBy(() =>
      readCoreSummary(real.core, { nodeVersion: false }),
    );
    assert.equal(summary.nodeVersion, undefined);
    assert.ok(summary.executable?.buildId);
    // The headers and notes (65 kB of a 54 MB core here): no segment of memory is read. Even the scan
    // for the Node version, which reads a chosen few, reads 2.4 MB of it.
    const { size } = await stat(real.core);
    assert.ok(bytes < size / 100, `read ${bytes} bytes of a ${size}-byte core`);
  });
});
