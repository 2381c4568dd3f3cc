import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { coredump, coredumpBinary, freshCacheHome } from "../support/cli.js";
import { crashDumps } from "../support/crash-dumps.js";
import { realCore } from "../support/real-core.js";
import { TmuxSession } from "../support/tmux.js";

/** ESC: what starts every colour, cursor save (ESC 7) and cursor hiding (ESC[?25l). */
const ESC = "\u001b";

describe("colour: NO_COLOR, FORCE_COLOR, --color and --no-color", () => {
  let dumps: { dir: string; ids: string[] };

  before(async () => {
    dumps = await crashDumps([await realCore()], "stored-zip");
  });

  /** Every byte that list and a fetch (with its progress bar) write to a real terminal. */
  async function terminalBytes(env: Record<string, string>): Promise<string> {
    const folder = await mkdtemp(path.join(tmpdir(), "coredump-terminal-"));
    const go = path.join(folder, "go");
    const bytes = path.join(folder, "bytes");
    const coredumpLine = `${process.execPath} ${coredumpBinary()}`;
    const work = path.join(folder, "work");
    const script = [
      `while [ ! -e ${go} ]; do sleep 0.1; done`,
      `${coredumpLine} list --dir ${dumps.dir}`,
      `${coredumpLine} fetch ${dumps.ids[0]} --dir ${dumps.dir} --workdir ${work} --no-executable`,
    ].join("; ");
    const session = await TmuxSession.start(["bash", "-c", script], {
      XDG_CACHE_HOME: freshCacheHome(),
      TERM: "xterm-256color",
      ...env,
    });
    try {
      await session.record(bytes);
      await writeFile(go, "");
      await session.waitFor(/^exit status \d+$/m);
      return await readFile(bytes, "utf8");
    } finally {
      await session.kill();
    }
  }

  it("NO_COLOR=1 on a terminal: no escape sequence at all, the progress bar included", async () => {
    const output = await terminalBytes({ NO_COLOR: "1" });
    assert.match(output, /fetched /);
    const at = output.indexOf(ESC);
    assert.equal(
      at,
      -1,
      `an escape sequence: ${JSON.stringify(output.slice(Math.max(0, at - 40), at + 20))}`,
    );
  });

  it("the same on a terminal without NO_COLOR has colour and the bar's cursor escapes", async () => {
    const output = await terminalBytes({});
    assert.ok(output.includes(`${ESC}[`), "no colour on a terminal");
  });

  it("--no-color is accepted; --color colours a pipe even under NO_COLOR", async () => {
    const plain = await coredump(["list", "--dir", dumps.dir, "--no-color"]);
    assert.equal(plain.exitCode, 0, plain.stderr);
    assert.ok(!plain.stdout.includes(ESC));
    const coloured = await coredump(["--color", "list", "--dir", dumps.dir], { NO_COLOR: "1" });
    assert.equal(coloured.exitCode, 0, coloured.stderr);
    assert.ok(coloured.stdout.includes(`${ESC}[`), coloured.stdout);
    const forced = await coredump(["list", "--dir", dumps.dir], { NO_COLOR: "", FORCE_COLOR: "1" });
    assert.ok(forced.stdout.includes(`${ESC}[`), forced.stdout);
  });
});
