import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { holderOf } from "../../src/workspace/fetch-lock.js";
import { coredump, coredumpProcess } from "../support/cli.js";
import { placeholderDumpSuite } from "../support/hostile-dump.js";

const LOCK = ".coredump-fetch.lock";

describe("hostile #4: the fetch lock trusts no stale holder and yields to Ctrl-C and SIGTERM", () => {
  const suite = placeholderDumpSuite();
  const spec = suite.spec;

  async function lockedWorkdir(content: string): Promise<string> {
    const work = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    await mkdir(path.join(work, spec.uuid), { mode: 0o700 });
    await writeFile(path.join(work, spec.uuid, LOCK), content, { mode: 0o600 });
    return work;
  }

  const pid = () => suite.pid();
  const stale: Array<[string, () => string]> = [
    ["a bare live pid (the old format, or a reused pid after a SIGKILL)", () => String(pid())],
    ["a live pid with another start time", () => JSON.stringify({ ...holderOf(pid()), start: "1" })],
    [
      "a live pid from another boot or machine (a shared volume)",
      () => JSON.stringify({ ...holderOf(pid()), boot: "00000000-0000-0000-0000-000000000000" }),
    ],
    ["garbage", () => "\u0000\u0001not a lock"],
  ];
  for (const [name, content] of stale) {
    it(`a lock naming ${name} is taken over`, async () => {
      const work = await lockedWorkdir(content());
      const result = await coredump(["fetch", spec.uuid, "--workdir", work, ...suite.args()]);
      assert.equal(result.exitCode, 0, result.stderr);
      assert.doesNotMatch(result.stderr, /waiting/);
      assert.ok(!(await readdir(path.join(work, spec.uuid))).includes(LOCK), "the lock is released");
    });
  }

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`waiting on a live holder's lock, the first ${signal} stops fetch with exit 130`, async () => {
      const work = await lockedWorkdir(JSON.stringify(holderOf(pid())));
      const child = coredumpProcess(["fetch", spec.uuid, "--workdir", work, ...suite.args()]);
      let stderr = "";
      child.stderr?.on("data", (piece: Buffer) => {
        stderr += piece.toString();
      });
      const deadline = Date.now() + 20_000;
      while (!stderr.includes("waiting for coredump")) {
        assert.ok(Date.now() < deadline, `never said it waits: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.match(stderr, new RegExp(`pid ${pid()}`));
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const result = await child;
      clearTimeout(timer);
      assert.equal(result.exitCode, 130, `${result.signal ?? ""} ${result.stderr}`);
      assert.match(result.stderr, /interrupted/);
      const left = await readdir(path.join(work, spec.uuid));
      assert.deepEqual(left, [LOCK], "nothing written; the holder's lock stays");
    });
  }
});
