/**
 * Container logs made to cost: real Node crash logs (tests/support/crash-logs.ts) padded or edited by the
 * test into megabytes of text that the old parsers walked quadratically. Each run must finish by itself
 * (a ceiling of minutes against a hang) and still name the crash the real log tells of.
 */
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { before, describe, it } from "node:test";
import { freshCacheHome, json } from "../support/cli.js";
import type { CrashLog } from "../support/crash-logs.js";
import type { DumpSpec } from "../support/handler-layout.js";
import { coredumpWithin, dumpWithLog, folderOf, padding, realLog } from "../support/hostile-text.js";

interface Group {
  kind: string;
  title: string;
  count: number;
  ids: string[];
}

const MB = 1000 * 1000;

/** The error line the process printed, without V8's `Uncaught `. */
function printedError(log: CrashLog): string {
  const line = /^Uncaught (\w+: .*)$/m.exec(log.log)?.[1];
  assert.ok(line, log.log);
  return line;
}

describe("hostile #2: a container log of megabytes is read by its tail, in linear time", () => {
  let abort: CrashLog;
  let plain: DumpSpec;
  let padded: DumpSpec;
  let fromLine: DumpSpec;
  let args: string[];

  before(async () => {
    abort = await realLog("uncaught-abort-a");
    plain = dumpWithLog(abort.log);
    // 4 MB (under the 4 MiB a metadata entry may have) of what an app logs of errors it survived: frames under a line that is no error's header, which
    // the old backward search for a header walked through once per block of frames.
    padded = dumpWithLog(
      `${padding("request failed, retrying\n    at retry (/app/db.js:4:2)\n", 4 * MB)}${abort.log}`,
    );
    // V8's FROM block whose line of frames is half a megabyte without a parenthesis.
    const [head = ""] = abort.log.split("\nFROM\n");
    fromLine = dumpWithLog(`${head}\nFROM\n${"x".repeat(MB / 2)} (\n`);
    args = ["--dir", await folderOf([plain, padded, fromLine])];
  });

  it("groups the padded log's crash with the same crash's plain log, and caches what it read", async () => {
    const cache = freshCacheHome();
    const result = await coredumpWithin(["groups", ...args, "--json"], { XDG_CACHE_HOME: cache });
    assert.equal(result.timedOut, false, "groups finished by itself");
    assert.equal(result.exitCode, 0, result.stderr);
    const groups = json<Group[]>(result);
    const same = groups.find((group) => group.ids.includes(plain.uuid));
    assert.ok(same, JSON.stringify(groups));
    assert.deepEqual(new Set(same.ids), new Set([plain.uuid, padded.uuid]));
    assert.equal(same.kind, "uncaught-exception");
    assert.ok(same.title.startsWith(printedError(abort)), same.title);
    const from = groups.find((group) => group.ids.includes(fromLine.uuid));
    assert.ok(from?.title.startsWith(printedError(abort)), from?.title);
    const files = await readdir(path.join(cache, "coredump", "metadata"));
    assert.ok(
      files.some((name) => name.endsWith(".jsonl")),
      `the metadata cache is written: ${files.join(", ")}`,
    );
  });

  it("list finishes by itself on the same dumps", async () => {
    const result = await coredumpWithin(["list", ...args, "--json"]);
    assert.equal(result.timedOut, false, "list finished by itself");
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(json<unknown[]>(result).length, 3);
  });
});

describe("hostile #3: a message with a run of 100,000 digits", () => {
  let abort: CrashLog;
  let digits: DumpSpec;
  let args: string[];

  before(async () => {
    abort = await realLog("uncaught-abort-a");
    const error = printedError(abort);
    digits = dumpWithLog(abort.log.replace(error, `${error} ${"7".repeat(100_000)}x`));
    args = ["--dir", await folderOf([digits])];
  });

  it("groups finishes by itself, and the title is clipped, in JSON and in the table", async () => {
    const result = await coredumpWithin(["groups", ...args, "--json"]);
    assert.equal(result.timedOut, false, "groups finished by itself");
    assert.equal(result.exitCode, 0, result.stderr);
    const [group] = json<Group[]>(result);
    assert.ok(group);
    assert.ok(group.title.startsWith(`${printedError(abort)} 777`), group.title);
    assert.ok(group.title.length <= 200 && group.title.endsWith("…"), `${group.title.length} characters`);
    const table = await coredumpWithin(["groups", ...args]);
    assert.equal(table.exitCode, 0, table.stderr);
    const row = table.stdout.split("\n").find((line) => line.includes(printedError(abort)));
    assert.ok(row && row.length < 400, `a row of ${row?.length} characters`);
  });
});
