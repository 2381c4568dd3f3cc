import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { open, stat } from "node:fs/promises";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { type RealCore, realCore } from "../support/real-core.js";

const ET_CORE = 4;

async function elfHeader(path: string): Promise<Buffer> {
  const file = await open(path, "r");
  try {
    const header = Buffer.alloc(64);
    await file.read(header, 0, header.length, 0);
    return header;
  } finally {
    await file.close();
  }
}

/** Calls realCore() in a fresh Node process, which has only the disk cache to go by. */
async function realCoreInAnotherProcess(): Promise<RealCore> {
  const url = new URL("../support/real-core.js", import.meta.url).href;
  const script = `import { realCore } from ${JSON.stringify(url)};
console.log(JSON.stringify(await realCore()));`;
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script]);
  return JSON.parse(stdout) as RealCore;
}

/** Which file a path is, and when it was last written: a core made again is another file. */
async function identity(file: string): Promise<{ ino: number; mtimeMs: number }> {
  const { ino, mtimeMs } = await stat(file);
  return { ino, mtimeMs };
}

describe("realCore", () => {
  it("returns an ELF core of the crashed tutorial app", async () => {
    const real = await realCore();
    const header = await elfHeader(real.core);
    assert.deepEqual(header.subarray(0, 4), Buffer.from("\x7fELF", "latin1"));
    assert.equal(header.readUInt16LE(16), ET_CORE);
    assert.equal((await stat(real.core)).mode & 0o777, 0o600);
    assert.equal(real.nodeVersion, process.version);
    assert.ok([4, 5, 6].includes(real.signal), `signal ${real.signal}`);
    if (process.versions.node.startsWith("20.")) assert.equal(real.signal, 5);
    assert.ok(real.pid > 0);
  });

  it("keeps V8's report of the uncaught exception", async () => {
    const { stderr, scriptAsRun } = await realCore();
    assert.match(stderr, /res\.not_a_function is not a function/);
    assert.match(stderr, /myRequestListener/);
    assert.ok(stderr.includes(`${scriptAsRun}:9:7`), stderr);
  });

  it("serves later calls from the cache, in this process and the next", async () => {
    const first = await realCore();
    const made = await identity(first.core);
    // In this process the one result is kept: the very same object, nothing run again.
    assert.equal(await realCore(), first);

    // The next process finds the cached core: the same file, not a crash run again.
    const other = await realCoreInAnotherProcess();
    assert.deepEqual(other, first);
    assert.deepEqual(await identity(first.core), made);
  });
});
