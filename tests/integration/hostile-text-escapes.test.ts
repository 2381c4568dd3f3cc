/**
 * Colour codes (SGR) and invisible characters from a dump, with colour forced on: a pod name, a container
 * log and a crash message (a real crash log edited by the test), and a constructor's name in a real core's
 * heap edited in place. What the dump holds is shown as escapes; coredump's own styles still colour.
 */
import assert from "node:assert/strict";
import { copyFile, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { crashDumps } from "../support/crash-dumps.js";
import type { DumpSpec } from "../support/handler-layout.js";
import { coredumpWithin, dumpWithLog, folderOf, realLog } from "../support/hostile-text.js";
import { knownHeapCore } from "../support/known-heap-core.js";

const ESC = "\u001b";
/** A bold green that looks like coredump's own, and black on black: never what coredump writes. */
const GREEN = `${ESC}[1;32m`;
const HIDDEN = `${ESC}[30;40m`;
const ZERO_WIDTH = "\u200b";
const COLOUR = { NO_COLOR: undefined, FORCE_COLOR: "1" };

function assertEscaped(output: string, what: string): void {
  for (const raw of [GREEN, HIDDEN, ZERO_WIDTH]) {
    assert.ok(!output.includes(raw), `${what} passes ${JSON.stringify(raw)} raw:\n${JSON.stringify(output)}`);
  }
}

describe("hostile #8, #19: SGR and zero-width characters from a dump, colour on", () => {
  let spec: DumpSpec;
  let twin: DumpSpec;
  let args: string[];
  let workdir: string;

  before(async () => {
    const abort = await realLog("uncaught-abort-a");
    const error = /^Uncaught (\w+: .*)$/m.exec(abort.log)?.[1] ?? "";
    assert.ok(error, abort.log);
    const message = `${error} ${GREEN}all good${HIDDEN}`;
    spec = dumpWithLog(`${abort.log.replace(error, message)}\n${GREEN}server healthy\n`, {
      pod: `web${HIDDEN}${ZERO_WIDTH}`,
      hostname: `web${HIDDEN}${ZERO_WIDTH}`,
    });
    // The same crash but for a zero-width space in its message: a different crash that looked the same.
    twin = dumpWithLog(abort.log.replace(error, `${message}${ZERO_WIDTH}`));
    args = ["--dir", await folderOf([spec, twin])];
    workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
  });

  it("list, info, groups and report show them as escapes, and colour their own text", async () => {
    for (const command of [
      ["list"],
      ["info", spec.uuid],
      ["groups"],
      ["report", spec.uuid, "--workdir", workdir, "--no-executable"],
    ]) {
      const result = await coredumpWithin([...command, ...args], COLOUR);
      assert.equal(result.exitCode, 0, `${command[0]}: ${result.stderr}`);
      assertEscaped(result.stdout, `${command[0]}'s stdout`);
      assertEscaped(result.stderr, `${command[0]}'s stderr`);
      assert.ok(result.stdout.includes(`${ESC}[`), `${command[0]} still styles its own text`);
      assert.ok(result.stdout.includes("\\x1b[30;40m"), `${command[0]} shows the dump's SGR as an escape`);
    }
  });

  it("the report's log tail and error, and groups' two titles, show what differs", async () => {
    const report = await coredumpWithin(["report", spec.uuid, "--workdir", workdir, ...args], COLOUR);
    assert.match(report.stdout, /\\x1b\[1;32mserver healthy/);
    const groups = await coredumpWithin(["groups", ...args], COLOUR);
    const titles = groups.stdout.split("\n").filter((line) => line.includes("all good"));
    assert.equal(titles.length, 2, groups.stdout);
    assert.equal(titles.filter((line) => line.includes("\\u200b")).length, 1, groups.stdout);
  });
});

describe("hostile #8: a constructor's name that is an SGR sequence, in a real core's heap", () => {
  let args: string[];
  let id: string;

  before(async () => {
    const known = await knownHeapCore("22.22.0");
    const folder = await mkdtemp(path.join(tmpdir(), "coredump-sgr-heap-"));
    const core = path.join(folder, "core");
    await copyFile(known.core, core);
    // Every `Session` in the core (the class's name, its source) becomes seven bytes of SGR.
    const bytes = await readFile(core);
    const from = Buffer.from("Session");
    const to = Buffer.from(GREEN);
    assert.equal(to.length, from.length);
    let edits = 0;
    for (let at = bytes.indexOf(from); at >= 0; at = bytes.indexOf(from, at + from.length), edits++)
      to.copy(bytes, at);
    assert.ok(edits > 0, "the core names Session");
    await writeFile(core, bytes);
    const dumps = await crashDumps([{ core, pid: known.pid, signal: 6, stderr: "" }], "stored-zip");
    id = dumps.ids[0] ?? "";
    const workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    args = ["--dir", dumps.dir, "--workdir", workdir, "--binary", known.node];
  });

  it("heap --json names the type exactly; heap's table shows it as an escape", async () => {
    const asJson = await coredumpWithin(["heap", id, ...args, "--json"], COLOUR);
    assert.equal(asJson.exitCode, 0, asJson.stderr);
    const types = (JSON.parse(asJson.stdout) as { types: Array<{ name: string }> }).types;
    assert.ok(
      types.some((type) => type.name === GREEN),
      types.map((type) => type.name).join(", "),
    );
    const table = await coredumpWithin(["heap", id, ...args, "--retainers", GREEN], COLOUR);
    assert.equal(table.exitCode, 0, table.stderr);
    assertEscaped(table.stdout, "heap's table");
    assert.ok(table.stdout.includes("\\x1b[1;32m"), table.stdout);
  });
});
