/**
 * A metadata cache that is not what coredump wrote: a row of valid JSON with the wrong shapes, and a named
 * pipe in the cache file's place. Written by a real `list` over dumps with real crash logs, then edited by
 * the test. Either way `list` and `groups` must finish, answer as without a cache, and replace the file.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { before, describe, it } from "node:test";
import { promisify } from "node:util";
import { freshCacheHome, json } from "../support/cli.js";
import { coredumpWithin, dumpWithLog, folderOf, realLog } from "../support/hostile-text.js";

interface Group {
  signature: string;
  title: string;
  ids: string[];
}

const NOTE = /the metadata cache .* is not usable \((.*)\): it is read afresh/;

/** A cache home holding the cache a `list` of `args` wrote, and that file's path. */
async function writtenCache(args: readonly string[]): Promise<{ home: string; file: string }> {
  const home = freshCacheHome();
  const result = await coredumpWithin(["list", ...args, "--json"], { XDG_CACHE_HOME: home });
  assert.equal(result.exitCode, 0, result.stderr);
  const folder = path.join(home, "coredump", "metadata");
  const [name] = (await readdir(folder)).filter((file) => file.endsWith(".jsonl"));
  assert.ok(name, "list wrote a cache");
  return { home, file: path.join(folder, name) };
}

describe("hostile metadata cache files", () => {
  let args: string[];
  let expected: Group[];

  before(async () => {
    const logs = await Promise.all(["uncaught-abort-a", "rejection-a"].map((name) => realLog(name)));
    args = ["--dir", await folderOf(logs.map((log) => dumpWithLog(log.log)))];
    const result = await coredumpWithin(["groups", ...args, "--json"]);
    assert.equal(result.exitCode, 0, result.stderr);
    expected = json<Group[]>(result);
    assert.equal(expected.length, 2);
  });

  async function groupsWith(home: string) {
    const result = await coredumpWithin(["groups", ...args, "--json"], { XDG_CACHE_HOME: home });
    assert.equal(result.timedOut, false, "groups finished by itself");
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(json<Group[]>(result), expected);
    return result;
  }

  it("#15 a crash whose frames are a number: a note, the answer without the cache, then a cache again", async () => {
    const { home, file } = await writtenCache(args);
    const lines = (await readFile(file, "utf8")).split("\n");
    const crash = lines.findIndex((line) => line.includes('"frames":['));
    assert.ok(crash > 0, "the cache holds a crash");
    lines[crash] = (lines[crash] ?? "").replace(/"frames":\[[^\]]*\]/, '"frames":7');
    await writeFile(file, lines.join("\n"));
    const first = await groupsWith(home);
    assert.match(first.stderr, NOTE);
    assert.match(first.stderr, /frames: not a list/);
    const again = await groupsWith(home);
    assert.doesNotMatch(again.stderr, NOTE, "the bad file was replaced");
  });

  it("#15 a row whose problems are an object, not a list", async () => {
    const { home, file } = await writtenCache(args);
    const lines = (await readFile(file, "utf8")).split("\n");
    const row = lines.findIndex((line) => line.startsWith("["));
    const parsed = JSON.parse(lines[row] ?? "");
    parsed[2].problems = { not: "a list" };
    lines[row] = JSON.stringify(parsed);
    await writeFile(file, lines.join("\n"));
    assert.match((await groupsWith(home)).stderr, /problems: not a list/);
  });

  it("#23 a named pipe in the cache file's place: list and groups finish, and a file replaces it", async () => {
    const { home, file } = await writtenCache(args);
    await rm(file);
    await promisify(execFile)("mkfifo", [file]);
    const list = await coredumpWithin(["list", ...args, "--json"], { XDG_CACHE_HOME: home });
    assert.equal(list.timedOut, false, "list finished by itself");
    assert.equal(list.exitCode, 0, list.stderr);
    assert.match(list.stderr, /not a regular file/);
    assert.equal((await stat(file)).isFile(), true, "a regular file replaced the pipe");
    await rm(file);
    await promisify(execFile)("mkfifo", [file]);
    assert.match((await groupsWith(home)).stderr, /not a regular file/);
  });
});
