import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { coredump, json } from "../support/cli.js";
import { defaultSpec, writeToDirectory, zipDump } from "../support/handler-layout.js";

/** What a pod's owner can put in its names and logs to drive the reader's terminal. */
const ATTACKS = {
  osc52: "\u001b]52;c;cm0gLXJmIH4K\u0007",
  osc0: "\u001b]0;owned\u0007",
  clear: "\u001b[2J",
  carriageReturn: "\r",
  backspace: "\b\b\b",
  rightToLeft: "\u202e",
  c1: "\u009b31m",
  lineSeparator: "\u2028",
};
const ALL = Object.values(ATTACKS).join("");
/** Anything a terminal would act on; newline and tab are layout. */
function isRawControl(code: number): boolean {
  if (code === 0x0a || code === 0x09) return false;
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    [0x061c, 0x200e, 0x200f, 0x2028, 0x2029].includes(code) ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

/** chalk's own colours, when colour is forced: the only escape sequences allowed through. */
const ESC = String.fromCharCode(0x1b);
const STYLE = new RegExp(`${ESC}\\[[0-9;]*m`, "g");

function assertNoRawControls(output: string, what: string): void {
  const found = [...output.replace(STYLE, "")].find((char) => isRawControl(char.codePointAt(0) ?? 0));
  assert.equal(
    found,
    undefined,
    `${what} passes U+${found?.codePointAt(0)?.toString(16).padStart(4, "0")} raw:\n${JSON.stringify(output)}`,
  );
}

describe("hostile #1: escape sequences in a dump's names, key and log never reach the terminal raw", () => {
  const spec = defaultSpec({
    hostname: `web${ATTACKS.osc0}${ATTACKS.rightToLeft}`,
    pod: `pod${ALL}`,
    namespace: `ns${ATTACKS.osc52}`,
    exe: `node${ATTACKS.clear}`,
    exePath: `/app/node${ATTACKS.backspace}`,
    containers: [
      { name: `app${ATTACKS.c1}`, log: `before\n${ALL}after\nlast line${ATTACKS.carriageReturn}fake\n` },
    ],
  });
  let args: string[];
  let workdir: string;

  before(async () => {
    const folder = await mkdtemp(path.join(tmpdir(), "coredump-hostile-"));
    await writeToDirectory(zipDump(spec), folder);
    workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    args = ["--dir", folder];
  });

  for (const [name, colour] of [
    ["NO_COLOR", { NO_COLOR: "1" }],
    ["forced colour", { NO_COLOR: undefined, FORCE_COLOR: "1" }],
  ] as const) {
    it(`list, info, fetch and report on a pipe (${name})`, async () => {
      for (const command of [
        ["list"],
        ["info", spec.uuid],
        ["fetch", spec.uuid, "--workdir", workdir, "--no-executable"],
        ["report", spec.uuid, "--workdir", workdir],
      ]) {
        const result = await coredump([...command, ...args], colour);
        assert.equal(result.exitCode, 0, `${command[0]}: ${result.stderr}`);
        assertNoRawControls(result.stdout, `${command[0]}'s stdout`);
        assertNoRawControls(result.stderr, `${command[0]}'s stderr`);
        if (command[0] !== "fetch") assert.match(result.stdout, /\\x1b\]52;c;/, command[0]);
      }
    });
  }

  it("the report shows the log's lines with their controls as escapes", async () => {
    const result = await coredump(["report", spec.uuid, "--workdir", workdir, ...args]);
    assert.match(result.stdout, /last line\\x0dfake/);
    assert.match(result.stdout, /\\u202e/);
    assert.match(result.stdout, /\\x9b31m/);
  });

  it("an error that quotes a name escapes it too", async () => {
    const result = await coredump(["info", `${spec.uuid.slice(0, 6)}\u001b]0;x\u0007`, ...args]);
    assert.equal(result.exitCode, 1);
    assertNoRawControls(result.stderr, "the error");
    assert.match(result.stderr, /\\x1b\]0;x\\x07/);
  });

  it("--json keeps the exact strings, with DEL, C1 and bidi controls as \\u escapes", async () => {
    for (const command of [
      ["list", "--json"],
      ["info", spec.uuid, "--json"],
    ]) {
      const result = await coredump([...command, ...args]);
      assert.equal(result.exitCode, 0, result.stderr);
      assertNoRawControls(result.stdout, `${command[0]} --json`);
      const parsed = json<{ pod: string } | Array<{ pod: string }>>(result);
      assert.equal((Array.isArray(parsed) ? parsed[0] : parsed)?.pod, spec.pod);
    }
  });
});
