import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { acquireLock, holderOf, isRunning, parseHolder, tryLock } from "../../src/workspace/fetch-lock.js";

describe("fetch lock: a holder is a pid, its start time and the boot", () => {
  it("this process is running; the same pid with another start time or boot is not", () => {
    const self = holderOf(process.pid);
    assert.notEqual(self.start, "");
    assert.equal(isRunning(self), true);
    assert.equal(isRunning({ ...self, start: "1" }), false);
    assert.equal(isRunning({ ...self, boot: "another" }), false);
  });

  it("only a whole holder parses", () => {
    assert.deepEqual(parseHolder(JSON.stringify(holderOf(process.pid))), holderOf(process.pid));
    for (const bad of ["", "123", "{}", '{"pid":-1,"start":"","boot":""}', '{"pid":1}'])
      assert.equal(parseHolder(bad), undefined, bad);
  });

  it("a second taker waits, and stops waiting when its signal aborts", async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), "coredump-lock-")), "lock");
    const release = await acquireLock(file);
    const aborted = new AbortController();
    let waited = false;
    const second = acquireLock(file, {
      pollMs: 10,
      signal: aborted.signal,
      onWait: () => {
        waited = true;
      },
    });
    setTimeout(() => aborted.abort(new Error("stop")), 50);
    await assert.rejects(second, /stop/);
    assert.equal(waited, true);
    await release();
    const again = await acquireLock(file);
    assert.equal(parseHolder(await readFile(file, "utf8"))?.pid, process.pid);
    await again();
  });

  it("of many takers at once, one holds it, and no one ever reads it half-written", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "coredump-lock-"));
    for (let round = 0; round < 20; round++) {
      const file = path.join(dir, `lock-${round}`);
      const takers = await Promise.all(Array.from({ length: 16 }, () => tryLock(file)));
      const holders = takers.filter((taken) => "release" in taken);
      assert.equal(holders.length, 1, `round ${round}: ${holders.length} holders`);
    }
    assert.deepEqual(
      (await readdir(dir)).filter((name) => !name.startsWith("lock-")),
      [],
    );
  });
});
