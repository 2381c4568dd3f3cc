/**
 * Issue 25 #1: `heapsnapshot -o` wrote `<target>.partial` and renamed it over whatever the target was. A
 * null device of the test's own became a 0600 regular file, `-o -` wrote a file named `-`, and a folder,
 * a missing folder, a link or two runs onto one path ended in a stack trace or a silent overwrite. On a
 * real heap core (tests/support/heap-core.ts) under the official Node build that made it.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { type CliResult, cliEnvironment, coredumpBinary, coredumpProcess } from "../support/cli.js";
import { crashDumps } from "../support/crash-dumps.js";
import { type HeapCore, heapCore } from "../support/heap-core.js";
import { officialNode } from "../support/node-builds.js";
import { asNobody, assertOneLine, canUnshare, isRoot, withReadOnly } from "../support/one-line.js";

/** The start of every `.heapsnapshot` coredump writes. */
const SNAPSHOT_START = '{"snapshot":{"meta":';

describe("hostile #1: heapsnapshot -o never renames over what is not a regular file", () => {
  let heap: HeapCore;
  let id = "";
  let dumps = "";
  let workdir = "";
  const made: string[] = [];

  before(async () => {
    heap = await heapCore({ node: await officialNode("20.20.2") });
    const laid = await crashDumps([heap], "stored-zip");
    dumps = laid.dir;
    id = laid.ids[0] as string;
    workdir = await mkdtemp(path.join(tmpdir(), "coredump-output-work-"));
    made.push(dumps, workdir);
  });
  after(async () => {
    for (const folder of made) await rm(folder, { recursive: true, force: true });
  });

  /** A fresh folder of the test's own, removed after the suite. */
  async function folder(): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), "coredump-output-"));
    made.push(dir);
    return dir;
  }

  /** The heapsnapshot command line for the dump, `-o target` when given. */
  function args(target?: string): string[] {
    return [
      "heapsnapshot",
      id,
      "--dir",
      dumps,
      "--workdir",
      workdir,
      "--binary",
      heap.node,
      "--quiet",
      ...(target === undefined ? [] : ["-o", target]),
    ];
  }

  /** Runs coredump in `cwd`. */
  async function runIn(cwd: string, argv: readonly string[]): Promise<CliResult> {
    const result = await execa(process.execPath, [coredumpBinary(), ...argv], {
      cwd,
      env: cliEnvironment(),
      extendEnv: false,
      reject: false,
      stdin: "ignore",
      maxBuffer: 1 << 30,
    });
    return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
  }

  /** The names in `dir` other than `keep`: a partial file or lock left behind shows here. */
  async function leftovers(dir: string, ...keep: string[]): Promise<string[]> {
    return (await readdir(dir)).filter((name) => !keep.includes(name));
  }

  it("onto a null device of its own (mknod c 1 3): streamed into it, still a device", {
    skip: !isRoot && "mknod needs root",
  }, async () => {
    const dir = await folder();
    const device = path.join(dir, "null");
    assert.equal(spawnSync("mknod", ["-m", "666", device, "c", "1", "3"]).status, 0, "mknod failed");
    const before = await stat(device);
    const result = await runIn(dir, args(device));
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.stdout.trim(), device);
    const now = await lstat(device);
    assert.ok(now.isCharacterDevice(), "the device is no longer a character device");
    assert.equal(now.rdev, before.rdev);
    assert.equal(now.mode & 0o777, 0o666);
    assert.deepEqual(await leftovers(dir, "null"), []);
  });

  it("-o - is standard output: the snapshot on stdout, no file named -", async () => {
    const dir = await folder();
    const result = await runIn(dir, args("-"));
    assert.equal(result.exitCode, 0, result.stderr);
    assert.ok(result.stdout.startsWith(SNAPSHOT_START), result.stdout.slice(0, 200));
    const parsed = JSON.parse(result.stdout) as { snapshot: { node_count: number } };
    assert.ok(parsed.snapshot.node_count > 1000);
    assert.deepEqual(await readdir(dir), []);
  });

  it("-o - with --json is a usage error (both want stdout)", async () => {
    const dir = await folder();
    assertOneLine(
      await runIn(dir, [...args("-"), "--json"]),
      /-o - writes the snapshot to standard output/,
      2,
    );
    assert.deepEqual(await readdir(dir), []);
  });

  it("onto a named pipe: streamed into its reader, still a pipe", async () => {
    const dir = await folder();
    const fifo = path.join(dir, "pipe");
    assert.equal(spawnSync("mkfifo", [fifo]).status, 0, "mkfifo failed");
    // A reader of its own process: were the pipe replaced, it is killed rather than left waiting.
    const reader = execa("cat", [fifo], { reject: false, maxBuffer: 1 << 30 });
    const result = await runIn(dir, args(fifo));
    const stillPipe = (await lstat(fifo)).isFIFO();
    if (!stillPipe) reader.kill();
    assert.ok(stillPipe, "the named pipe was replaced");
    assert.equal(result.exitCode, 0, result.stderr);
    const bytes = (await reader).stdout;
    assert.ok(bytes.startsWith(SNAPSHOT_START));
    JSON.parse(bytes);
    assert.deepEqual(await leftovers(dir, "pipe"), []);
  });

  it("onto an existing regular file: replaced whole, nothing left beside it", async () => {
    const dir = await folder();
    const file = path.join(dir, "old.heapsnapshot");
    await writeFile(file, "an older snapshot");
    const result = await runIn(dir, args(file));
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.stdout.trim(), file);
    JSON.parse(await readFile(file, "utf8"));
    assert.deepEqual(await leftovers(dir, "old.heapsnapshot"), []);
  });

  it("onto a folder: one line, the folder untouched", async () => {
    const dir = await folder();
    const target = path.join(dir, "a-folder");
    await mkdir(target);
    assertOneLine(await runIn(dir, args(target)), /a-folder is a folder: give -o the path of a file/);
    assert.ok((await lstat(target)).isDirectory());
    assert.deepEqual(await readdir(target), []);
    assert.deepEqual(await leftovers(dir, "a-folder"), []);
  });

  it("into a folder that does not exist: one line", async () => {
    const dir = await folder();
    assertOneLine(
      await runIn(dir, args(path.join(dir, "missing", "x.heapsnapshot"))),
      /the folder .*missing does not exist: create it, or give -o a path in an existing folder/,
    );
    assert.deepEqual(await readdir(dir), []);
  });

  it("onto a symbolic link to a file: one line, the link and its file untouched", async () => {
    const dir = await folder();
    const victim = path.join(dir, "victim");
    await writeFile(victim, "someone's file");
    await symlink(victim, path.join(dir, "link"));
    assertOneLine(await runIn(dir, args(path.join(dir, "link"))), /link is a symbolic link: .*give -o/);
    assert.ok((await lstat(path.join(dir, "link"))).isSymbolicLink());
    assert.equal(await readFile(victim, "utf8"), "someone's file");
    assert.deepEqual(await leftovers(dir, "victim", "link"), []);
  });

  it("into a read-only place: one line", { skip: !canUnshare && "no mount namespace here" }, async () => {
    const ro = await folder();
    const result = await withReadOnly(ro, args(path.join(ro, "x.heapsnapshot")));
    assertOneLine(result, /is on a read-only file system: give -o a writable place/);
  });

  it("into a folder this user may not write: one line", {
    skip: !isRoot && "needs root to become nobody",
  }, async () => {
    const dir = await folder();
    await chmod(dir, 0o755);
    // nobody must read the dumps, the node binary and a working folder of its own.
    const ownWork = await folder();
    await chmod(ownWork, 0o777);
    await chmod(dumps, 0o755);
    const result = await asNobody(
      args(path.join(dir, "x.heapsnapshot")).map((arg) => (arg === workdir ? ownWork : arg)),
      { XDG_CACHE_HOME: ownWork },
    );
    assertOneLine(result, /is not writable by this user: give -o a place you can write/);
    assert.deepEqual(await readdir(dir), []);
  });

  it("two runs onto one path: the second says so in one line, the first finishes", async () => {
    const dir = await folder();
    const target = path.join(dir, "shared.heapsnapshot");
    // The first run is held still once it has claimed the path, so that the second surely meets it. A
    // snapshot can be written whole between two looks: such a run is done again until one is caught.
    let first = coredumpProcess(args(target));
    for (let attempt = 1; ; attempt++) {
      // Its partial file is made only once it holds the lock.
      await waitFor(
        async () => (await readdir(dir)).some((name) => name.endsWith(".partial")) || first.exitCode !== null,
      );
      stopped(first, "SIGSTOP");
      if (!existsSync(target)) break;
      stopped(first, "SIGCONT");
      assert.equal((await first).exitCode, 0);
      assert.ok(attempt < 20, "the first run never was caught before it had written the snapshot");
      await rm(target);
      first = coredumpProcess(args(target));
    }
    try {
      const second = await runIn(dir, args(target));
      assertOneLine(second, /another coredump \(pid \d+\) is writing .*shared\.heapsnapshot: wait for it/);
    } finally {
      stopped(first, "SIGCONT");
    }
    const done = await first;
    assert.equal(done.exitCode, 0, done.stderr);
    JSON.parse(await readFile(target, "utf8"));
    assert.deepEqual(await leftovers(dir, "shared.heapsnapshot"), []);
  });

  it("a run killed while writing leaves a partial file and a lock; the next run removes both", async () => {
    const dir = await folder();
    const target = path.join(dir, "killed.heapsnapshot");
    const first = coredumpProcess(args(target));
    await waitFor(async () =>
      (await readdir(dir)).some((name) => name.endsWith(".partial") || first.exitCode !== null),
    );
    first.kill("SIGKILL");
    await first;
    assert.ok(
      (await leftovers(dir)).some((name) => name.endsWith(".partial")),
      "nothing was left to clean",
    );
    const result = await runIn(dir, args(target));
    assert.equal(result.exitCode, 0, result.stderr);
    JSON.parse(await readFile(target, "utf8"));
    assert.deepEqual(await leftovers(dir, "killed.heapsnapshot"), []);
  });

  it("the default path, in the dump's folder, still works and leaves no partial file", async () => {
    const result = await runIn(workdir, args());
    assert.equal(result.exitCode, 0, result.stderr);
    const file = result.stdout.trim();
    assert.equal(path.basename(file), "core.heapsnapshot");
    assert.ok(existsSync(file));
    const names = await readdir(path.dirname(file));
    assert.deepEqual(
      names.filter((name) => name.endsWith(".partial") || name.includes("lock")),
      [],
    );
  });
});

function stopped(child: ChildProcess, signal: "SIGSTOP" | "SIGCONT"): void {
  if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, signal);
}

/** Polls `ready` every 20 ms, for up to five minutes (a ceiling against a hang, not a duration claim). */
async function waitFor(ready: () => Promise<boolean>): Promise<void> {
  for (let waited = 0; waited < 300_000; waited += 20) {
    if (await ready()) return;
    await sleep(20);
  }
  throw new Error("gave up waiting");
}
