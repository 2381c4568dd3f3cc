/**
 * lldb with an llnode plugin on a core, in batch, for the tests that read llnode's own output. The node
 * binary is a copy without DWARF (`objcopy --strip-debug`, src/debuggers/strip-debug.ts), as `coredump debug`
 * uses: lldb then starts in about a second instead of ten, with the same llnode output.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { lldbEnvironment } from "../../src/debuggers/lldb-environment.js";
import { strippedCopy } from "../../src/debuggers/strip-debug.js";
import { readExecutableInfo } from "../../src/elf/index.js";
import { repoRoot } from "./repo-root.js";

/** coredump's own copy without DWARF, keyed by build-id, made once into `<repo>/.cache/nodebug/` and reused. */
async function withoutDebugInfo(node: string): Promise<string> {
  const { buildId } = await readExecutableInfo(node);
  return strippedCopy(node, buildId, path.join(repoRoot(), ".cache", "nodebug"), process.env.PATH ?? "");
}

export interface LldbRun {
  exitCode: number;
  /** What each command printed, by command, without lldb's echo of it. */
  outputs: Map<string, string>;
  all: string;
}

export async function llnodeBatch(
  plugin: string,
  node: string,
  core: string,
  commands: string[],
): Promise<LldbRun> {
  const binary = await withoutDebugInfo(node);
  // `command source -e false` runs every command even when one fails (plain `-o`s stop at the first).
  const script = path.join(await mkdtemp(path.join(tmpdir(), "coredump-lldb-")), "commands.lldb");
  await writeFile(script, `${commands.join("\n")}\n`);
  const result = await execa(
    "lldb",
    ["--batch", "-o", `plugin load ${plugin}`, "-o", `command source -e false ${script}`, "-c", core, binary],
    {
      reject: false,
      timeout: 120_000,
      env: lldbEnvironment("lldb", process.env),
      stdin: "ignore",
    },
  );
  const all = `${result.stdout}\n${result.stderr}`;
  return { exitCode: result.exitCode ?? -1, outputs: splitByCommand(result.stdout, commands), all };
}

/** lldb echoes `(lldb) <command>` before each command's output. */
function splitByCommand(stdout: string, commands: string[]): Map<string, string> {
  const outputs = new Map<string, string>();
  let current: string | undefined;
  let lines: string[] = [];
  for (const line of stdout.split("\n")) {
    const echoed = line.startsWith("(lldb) ") ? line.slice("(lldb) ".length) : undefined;
    if (echoed !== undefined && commands.includes(echoed)) {
      if (current !== undefined) outputs.set(current, lines.join("\n"));
      current = echoed;
      lines = [];
    } else if (current !== undefined) {
      lines.push(line);
    }
  }
  if (current !== undefined) outputs.set(current, lines.join("\n"));
  return outputs;
}
