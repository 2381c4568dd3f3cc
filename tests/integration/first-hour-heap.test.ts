import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { coredump, json, onDumpArgs } from "../support/cli.js";
import { crashDumps } from "../support/crash-dumps.js";
import { knownHeapCore } from "../support/known-heap-core.js";

interface HeapJson {
  retainers?: Array<{ path: Array<{ name: string; edge: string }> }>;
}

describe("heap prints retainers in report's order", () => {
  it("the object first, then each edge and its holder, out to the root", async () => {
    const known = await knownHeapCore("22.22.0");
    const dumps = await crashDumps([{ core: known.core, pid: known.pid, signal: 6, stderr: "" }], "loose");
    const workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    const args = onDumpArgs("heap", dumps.ids[0] ?? "", { dir: dumps.dir, workdir, node: known.node });
    const machine = json<HeapJson>(await coredump([...args, "--retainers", "Session", "--json"]));
    const human = await coredump([...args, "--retainers", "Session"]);
    assert.equal(human.exitCode, 0, human.stderr);
    const printed = human.stdout.split("\n").filter((line) => /^ {2}\d+\. /.test(line));
    const paths = machine.retainers ?? [];
    assert.ok(paths.length > 0, human.stdout);
    assert.equal(printed.length, paths.length, human.stdout);
    for (const [index, { path: steps }] of paths.entries()) {
      // JSON goes from the root to the object; report's lines from the object to the root.
      const outward = [...steps].reverse();
      const words = [
        outward[0]?.name,
        ...outward.slice(0, -1).flatMap((step, at) => [step.edge, outward[at + 1]?.name]),
      ];
      assert.equal(printed[index], `  ${index + 1}. ${words.join(" ← ")}`);
      assert.ok(printed[index]?.startsWith(`  ${index + 1}. Session ← `));
    }
  });
});
