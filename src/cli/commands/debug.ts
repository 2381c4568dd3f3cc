import { readFile } from "node:fs/promises";
import { chooseDebugger } from "../../debuggers/choose.js";
import { DIALECTS } from "../../debuggers/dialects.js";
import { describePlugin, llnodeWarning, unreadableNote } from "../../debuggers/llnode-limits.js";
import { couldReadHeap } from "../../debuggers/llnode-output.js";
import { prepareDebugTarget } from "../../debuggers/prepare-target.js";
import { runBatch, runInteractive } from "../../debuggers/session.js";
import { ExpectedError, UsageError } from "../../errors.js";
import { CoreClues, runtimeOfCore } from "../../runtimes/index.js";
import { LIMITS, type Settings } from "../../settings.js";
import { writeHuman } from "../../ui/untrusted-text.js";
import { type FetchFlags, prepareDump } from "../prepare-dump.js";

export interface DebugFlags extends FetchFlags {
  debugger?: string;
  batch?: boolean;
  oneLine?: string[];
  commands?: string;
  fullDebuginfo?: boolean;
}

/** Runs the debugger on the dump's executable and core; resolves to the debugger's exit status. */
export async function debug(
  id: string | undefined,
  flags: DebugFlags,
  debuggerArgs: string[],
  settings: Settings,
): Promise<number> {
  const commands = [...(flags.oneLine ?? []), ...(flags.commands ? await commandFile(flags.commands) : [])];
  const batch = flags.batch === true || commands.length > 0;
  if (!batch && !process.stdin.isTTY) {
    throw new UsageError(
      "no terminal for an interactive debugger: use --batch with -o CMD or --commands FILE",
    );
  }
  const { executable, folder, dump } = await prepareDump(id, flags, "debug", settings);
  if (executable.path === null) {
    throw new ExpectedError(
      `no executable for this core (${executable.reason}): give one with --binary PATH`,
    );
  }
  const clues = new CoreClues(folder.core, executable.path);
  const runtime = await runtimeOfCore(clues);
  const coreNodeVersion = runtime.name === "node" ? await clues.nodeVersion() : undefined;
  const kind = chooseDebugger(flags.debugger, executable.path, settings, coreNodeVersion, runtime.debugger);
  const target = await prepareDebugTarget({
    kind,
    executable,
    core: folder.core,
    folder: folder.dir,
    images: dump.metadata?.images ?? [],
    insecureRegistries: flags.insecureRegistry ?? [],
    extraArgs: debuggerArgs,
    fullDebuginfo: flags.fullDebuginfo === true,
    settings,
  });
  const nodeVersion = kind === "llnode" ? coreNodeVersion : undefined;
  const plugin = target.plugin;
  if (plugin) {
    if (!flags.quiet) writeHuman(process.stderr, `coredump: llnode plugin: ${describePlugin(plugin)}\n`);
    const warning = llnodeWarning(plugin, nodeVersion);
    if (warning) writeHuman(process.stderr, `coredump: ${warning}\n`);
  }
  if (batch) {
    const result = await runBatch(
      target,
      commands.length > 0 ? commands : DIALECTS[kind].defaultBatch,
      settings.limits.debuggerBatchMs,
    );
    writeHuman(process.stdout, result.output.endsWith("\n") ? result.output : `${result.output}\n`);
    if (result.timedOut)
      throw new ExpectedError(
        `the debugger did not finish within ${settings.limits.debuggerBatchMs / 1000} s and was stopped (${LIMITS.debuggerBatch.variable} sets how long)`,
      );
    if (plugin && result.output.includes("No process objects found")) {
      writeHuman(process.stderr, `coredump: ${unreadableNote(plugin, nodeVersion)}\n`);
    }
    return result.exitCode;
  }
  if (plugin) {
    const probe = await runBatch(target, ["v8 nodeinfo"], settings.limits.debuggerProbeMs);
    if (!couldReadHeap(probe.output))
      writeHuman(process.stderr, `coredump: ${unreadableNote(plugin, nodeVersion)}\n`);
  }
  if (!flags.quiet) writeHuman(process.stderr, `coredump: ${interactiveHint(kind)}\n`);
  return runInteractive(target);
}

/** The first thing to type, for whoever has never met this debugger. */
function interactiveHint(kind: string): string {
  if (kind === "llnode")
    return "llnode: type v8 bt for the stack with JS frames, v8 help for more, quit to leave";
  if (kind === "dlv")
    return "dlv: type goroutines for every goroutine, bt for the crashed one's stack, help for more, exit to leave";
  return `${kind}: type bt for the stack, help for more, quit to leave`;
}

async function commandFile(file: string): Promise<string[]> {
  const text = await readFile(file, "utf8").catch(() => {
    throw new UsageError(`--commands ${file}: cannot read that file`);
  });
  return text.split("\n").filter((line) => line.trim() !== "" && !line.trim().startsWith("#"));
}
