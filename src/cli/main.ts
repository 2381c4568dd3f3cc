import { createRequire } from "node:module";
import { Command, CommanderError, Option } from "commander";
import { InterruptedError, UsageError } from "../errors.js";
import { readSettings, type Settings } from "../settings.js";
import { chooseColour } from "../ui/colour.js";
import { exitInterrupted, installInterruptHandling, wasInterrupted } from "../util/interrupt.js";
import { renderError } from "./errors.js";
import { addFilterOptions } from "./filter-options.js";
import { addFetchOptions, addStoreOptions, ID_HELP } from "./store-options.js";

const HELP_FOOTER = `
Where the dumps are (the first that is set):
  --dir DIR                 a folder laid out like the bucket, e.g. the mounted /cores
  --bucket B                an S3 bucket, with --endpoint, --region and --prefix
  S3_BUCKET_NAME, S3_ENDPOINT, S3_REGION, S3_ACCESS_KEY, S3_SECRET
                            the variables core-dump-handler itself uses; without S3_ACCESS_KEY the
                            AWS credential chain is used (AWS_* variables, profiles, web identity)
  /cores                    when that folder exists

Ids: a full uuid, a unique prefix of at least 4 characters, or "last" for the newest.

Examples:
  coredump list --since 2h --namespace shop
  coredump list -1 --json
  coredump groups --since 7d
  coredump info last
  coredump --bucket cores --endpoint http://127.0.0.1:7480 list

Exit status: 0 success, 1 failure (including "no dump matches"), 2 bad usage, 130 interrupted;
debug exits with the debugger's status.`;

const RESULTS_HELP =
  "where triage records are: s3://BUCKET/PREFIX or a folder (default: beside the dumps; also $COREDUMP_RESULTS)";

/** What a command wants as exit status when it succeeds (the debugger's own, for debug). */
let commandStatus = 0;

function buildProgram(debuggerArgs: string[], settings: Settings): Command {
  const program = addStoreOptions(
    new Command("coredump")
      .description("Find, fetch and debug the cores that core-dump-handler uploads from crashed containers.")
      .version(packageVersion(), "-V, --version")
      .showSuggestionAfterError()
      .exitOverride()
      .configureOutput({ outputError: (text, write) => write(`coredump: ${text.replace(/^error: /, "")}`) }),
  ).addHelpText("after", HELP_FOOTER);

  addStoreOptions(
    addFilterOptions(program.command("list").description("list the dumps, newest first"))
      .option("-n, --lines <count>", "at most this many dumps, the newest")
      .option("-1, --newest", "only the newest dump (same as -n 1)")
      .option("--json", "print a JSON array on stdout instead of a table")
      .option("--results <place>", RESULTS_HELP),
  )
    .addHelpText(
      "after",
      examples("list --since 2h --namespace shop", "list -1 --json", "list --signal segv --exe node"),
    )
    .action(async (_flags: object, command: Command) => {
      const { list } = await import("./commands/list.js");
      await list(command.optsWithGlobals(), settings);
    });

  addStoreOptions(
    addFilterOptions(
      program
        .command("groups")
        .description("the dumps grouped by crash: same error, same place in the app's code; largest first"),
    )
      .option("--json", "print a JSON array on stdout instead of a table")
      .option("--results <place>", RESULTS_HELP)
      .option(
        "--no-source-maps",
        "group by the frames as the logs printed them: read no source map from the images",
      ),
  )
    .addHelpText(
      "after",
      `${examples("groups --since 7d", "groups --namespace shop --json", "report <NEWEST id of a group>")}

Minified services:
  A dump's crash is the one its report found (a report is remembered), else the one its container log
  prints. A log's frames in a bundle (t at bundle/server.mjs) are named through the source maps of the
  dump's image, as report names them (displayName at src/users.ts), so that two builds of one service
  minified differently are one group. The maps are read once per image, then from the cache;
  $COREDUMP_SOURCE_MAPS names a build folder to read them from first.`,
    )
    .action(async (_flags: object, command: Command) => {
      const { groups } = await import("./commands/groups.js");
      await groups(command.optsWithGlobals(), settings);
    });

  addStoreOptions(
    program
      .command("info")
      .description("show everything known about one dump: pod, images, executable, signal, files")
      .argument(
        "[id]",
        'dump id: uuid, unique prefix (4+ characters) or "last"; omitted on a terminal, a picker',
      )
      .option("--json", "print one JSON object on stdout")
      .option("--results <place>", RESULTS_HELP),
  )
    .addHelpText("after", examples("info last", "info 2fd5", "info last --json"))
    .action(async (id: string | undefined, _flags: object, command: Command) => {
      const { info } = await import("./commands/info.js");
      await info(id, command.optsWithGlobals(), settings);
    });

  addFetchOptions(
    addStoreOptions(
      program
        .command("fetch")
        .description(
          "download one dump's core, decompressed, its metadata and the executable that produced it",
        )
        .argument("[id]", ID_HELP)
        .option("--json", "print one JSON object on stdout: id, dir, core, executable (null with a reason)")
        .option("--no-executable", "fetch only the core and metadata; do not look for the executable"),
    ),
  )
    .addHelpText(
      "after",
      examples("fetch last", "fetch 2fd5 --workdir /scratch", "fetch last --no-executable --json"),
    )
    .action(async (id: string | undefined, _flags: object, command: Command) => {
      const { fetchIntoWorkdir } = await import("./commands/fetch.js");
      await fetchIntoWorkdir(id, command.optsWithGlobals(), settings);
    });

  addFetchOptions(
    addStoreOptions(
      program
        .command("debug")
        .description("open llnode (or lldb, gdb) on the dump's core and the executable that produced it")
        .argument("[id]", ID_HELP)
        .option(
          "--debugger <name>",
          "llnode, lldb or gdb (default: $COREDUMP_DEBUGGER, else llnode for node, gdb otherwise)",
        )
        .option(
          "--batch",
          "run commands without a terminal and print their output (v8 bt when none are given)",
        )
        .option("-o, --one-line <command>", "a debugger command to run in batch (repeatable)", collect)
        .option("--commands <file>", "run the debugger commands in this file, one per line, in batch")
        .option(
          "--full-debuginfo",
          "give the debugger the binary with its DWARF (starts in ~11 s instead of ~1 s)",
        ),
    ),
  )
    .addHelpText(
      "after",
      `
Arguments after -- go to the debugger as they are, e.g. coredump debug last -- -o 'settings set ...'.
A failing command does not stop the ones after it. The exit status is the debugger's.
-o is --one-line here, as lldb's own -o (in heapsnapshot, -o is --output).

Examples:
  coredump debug last                              interactive llnode: try v8 bt, v8 nodeinfo, v8 findjsobjects
  coredump debug 2fd5 --batch -o 'v8 bt' -o 'v8 nodeinfo'
  coredump debug last --debugger gdb --batch -o bt`,
    )
    .action(async (id: string | undefined, _flags: object, command: Command) => {
      const { debug } = await import("./commands/debug.js");
      commandStatus = await debug(id, command.optsWithGlobals(), debuggerArgs, settings);
    });

  addFetchOptions(
    addStoreOptions(
      program
        .command("report")
        .description(
          "a triage summary: the kind of death (out of memory, unhandled rejection, native fault …) and what matters for it, pod, signal, Node version, the error, JS and native stacks, the log's tail",
        )
        .argument("[id]", ID_HELP)
        .option("--json", "print one JSON object on stdout")
        .option("--no-executable", "from the core's text and the log only: no executable, no debugger")
        .option(
          "--source-maps <dir>",
          "a build folder with the service's source maps, for an image that is gone (default: $COREDUMP_SOURCE_MAPS; else the maps in the crashed image)",
        ),
    ),
  )
    .addHelpText(
      "after",
      examples(
        "report last",
        "report 2fd5 --json",
        "report last --no-executable",
        "report last --source-maps ./dist",
      ),
    )
    .action(async (id: string | undefined, _flags: object, command: Command) => {
      const { report } = await import("./commands/report.js");
      await report(id, command.optsWithGlobals(), settings);
    });

  addFetchOptions(
    addStoreOptions(
      program
        .command("heap")
        .description(
          "what fills the V8 heap: live objects by constructor, counts and bytes, read from the core",
        )
        .argument("[id]", ID_HELP)
        .option("--top <n>", "show the N largest types (default 20; all with --json)")
        .option("--retainers <name>", "up to three shortest paths from the global object or a root to a NAME")
        .option(
          "--retained",
          "what holds the memory: the objects that retain the most, and each type's retained bytes",
        )
        .option(
          "--source-maps <dir>",
          "a build folder with the service's source maps, to name minified classes as written (default: $COREDUMP_SOURCE_MAPS; else the maps in the crashed image)",
        )
        .option("--json", "print one JSON object on stdout"),
    ),
  )
    .addHelpText(
      "after",
      `${examples("heap last", "heap last --top 50", "heap 2fd5 --retainers LeakyCache", "heap last --retained", "heap last --retained --retainers Session")}

Self and retained size:
  BYTES is what the objects themselves take (their self size). An object's RETAINED size is what would be
  freed if it went: itself and every object that only it keeps alive, through any path (V8's dominator
  tree, as Chrome DevTools and memlab compute it). A Map holding a million small objects has a self size of
  32 bytes and retains them all: that is the number an out-of-memory core asks for.
  --retained lists the objects that retain the most, with their share of the live heap and a path from a
  root (an object that only wraps a larger one it lists, such as the context holding that Map, is left
  out), and adds each type's RETAINED column: its instances together, one inside another counted once.
  With --retainers, paths go to the instances that retain the most, not to the nearest.
  WeakMap and WeakSet entries, WeakRef targets and FinalizationRegistry cells never retain: a WeakMap's
  value is held by its key. Costs more memory and time than heap alone: about 55 bytes per live object
  at the peak.

Minified services:
  A bundler renames classes (Session becomes e). Where a class's script names a source map (in the
  crashed image, inline in the script, or in --source-maps DIR), every figure names it as the source
  declares it, and stderr (JSON: renamed) lists what V8 calls each one.`,
    )
    .action(async (id: string | undefined, _flags: object, command: Command) => {
      const { heap } = await import("./commands/heap.js");
      await heap(id, command.optsWithGlobals(), settings);
    });

  addFetchOptions(
    addStoreOptions(
      program
        .command("heapsnapshot")
        .description(
          "a Chrome DevTools .heapsnapshot of the live heap, read from the core; its path on stdout",
        )
        .argument("[id]", ID_HELP)
        .option(
          "-o, --output <file>",
          "where to write it: a file, a device or a pipe; - for stdout (default: <workdir>/<uuid>/core.heapsnapshot)",
        )
        .option(
          "--original-names",
          "name minified classes as the service's source maps declare them (default: V8's names, as Node's own snapshot has them)",
        )
        .option(
          "--source-maps <dir>",
          "with --original-names: a build folder with the maps (default: $COREDUMP_SOURCE_MAPS; else the crashed image's)",
        )
        .option("--json", "print { path, nodes, edges } on stdout"),
    ),
  )
    .addHelpText(
      "after",
      examples(
        "heapsnapshot last",
        "heapsnapshot 2fd5 -o leak.heapsnapshot   (then load it in Chrome DevTools, Memory)",
      ),
    )
    .action(async (id: string | undefined, _flags: object, command: Command) => {
      const { heapsnapshot } = await import("./commands/heapsnapshot.js");
      await heapsnapshot(id, command.optsWithGlobals(), settings);
    });

  addFetchOptions(
    addStoreOptions(
      addFilterOptions(
        program
          .command("triage")
          .description(
            "report on every dump not triaged yet and keep a small record of each beside it, for list, info and groups",
          ),
      )
        .option("--results <place>", RESULTS_HELP)
        .option(
          "--shard <i/n>",
          "take worker I's share of N, by uuid (default: $JOB_COMPLETION_INDEX/$JOB_COMPLETIONS)",
        )
        .option("--jobs <count>", "dumps at once in this worker, within the memory limit (default 1)")
        .option(
          "--memory <size>",
          "the memory this worker may use (default: its cgroup's limit, else the machine's)",
        )
        .option("--retry-failed", "triage again the dumps recorded as untriageable")
        .option(
          "--watch [interval]",
          "list again every interval (default 5m) and triage what is new, until stopped",
        )
        .option("--json", "print one JSON line on stdout per dump triaged"),
    ),
  )
    .addHelpText(
      "after",
      examples(
        "triage --since 7d",
        "triage --shard 0/3 --jobs 2",
        "triage --results s3://triage/records/ --json",
      ),
    )
    .action(async (_flags: object, command: Command) => {
      const { triage } = await import("./commands/triage.js");
      await triage(command.optsWithGlobals(), settings);
    });

  addStoreOptions(
    program
      .command("clean")
      .description(
        "remove old working folders and cached executables; with --remote, old dumps from the bucket",
      )
      .option(
        "--older-than <age>",
        "what was last used (or, with --remote, crashed) longer ago than this: 7d, 12h",
      )
      .option("--max-size <size>", "then the least recently used until the rest fits in this: 20GB, 500MB")
      .option("--workdir <dir>", "the working folder (default: $COREDUMP_WORKDIR, else ~/work)")
      .option("--dry-run", "say what would be removed, remove nothing")
      .option("--remote", "delete dumps older than --older-than from the bucket (a dry run without --yes)")
      .option("--yes", "with --remote: really delete"),
  )
    .addHelpText(
      "after",
      examples(
        "clean --older-than 7d --dry-run",
        "clean --max-size 20GB",
        "clean --remote --older-than 90d --yes",
      ),
    )
    .action(async (_flags: object, command: Command) => {
      const { clean } = await import("./commands/clean.js");
      await clean(command.optsWithGlobals(), settings);
    });

  addStoreOptions(
    program
      .command("capture")
      .description(
        "take a core of a live process with gcore (it keeps running) and store it like a crash's dump",
      )
      .argument("<pid>", "the process id")
      .option("--upload", "put the dump into the bucket (--bucket or S3_BUCKET_NAME) instead of --dir"),
    { dirHelp: "write the dump into this folder (default: the current folder)" },
  )
    .addHelpText(
      "after",
      `
The dump is a zip in core-dump-handler's layout, written into --dir (default: the current folder) or,
with --upload, into the bucket under --prefix; list, fetch, debug and report then treat it like any
other. For hung and slow processes, which never crash. gcore comes with gdb and needs ptrace.
${examples("capture 4242 --dir /cores", "capture 4242 --upload --bucket cores --prefix team-a/")}`,
    )
    .action(async (pid: string, _flags: object, command: Command) => {
      const { capture } = await import("./commands/capture.js");
      await capture(pid, command.optsWithGlobals(), settings);
    });

  addStoreOptions(
    program
      .command("doctor")
      .description(
        "what coredump finds and what is missing: store, cache, working folder, lldb, llnode, gdb, registry credentials",
      )
      .option("--workdir <dir>", "the working folder to check (default: $COREDUMP_WORKDIR, else ~/work)")
      .option(
        "--json",
        "print one JSON object on stdout: ok, checks [{ name, status, essential, detail, fix }]",
      ),
  )
    .addHelpText("after", examples("doctor", "doctor --prefix team-a/", "doctor --json"))
    .action(async (_flags: object, command: Command) => {
      const { doctor } = await import("./commands/doctor.js");
      commandStatus = await doctor(command.optsWithGlobals(), settings);
    });

  program
    .command("completion")
    .description("print a shell completion script: source <(coredump completion bash)")
    .argument("<shell>", "bash or zsh")
    .addHelpText(
      "after",
      examples("completion bash > /etc/bash_completion.d/coredump", "source <(coredump completion zsh)"),
    )
    .action(async (shell: string) => {
      const { bashCompletion, zshCompletion } = await import("./completion.js");
      if (shell !== "bash" && shell !== "zsh")
        throw new UsageError(`completion ${shell}: choose bash or zsh`);
      process.stdout.write(shell === "bash" ? bashCompletion(program) : zshCompletion(program));
    });

  program
    .option("--color", "colour even when the output is not a terminal (also FORCE_COLOR=1)")
    .option("--no-color", "no colour and no terminal escapes, even on a terminal (also NO_COLOR=1)")
    .hook("preAction", (command) => chooseColour(command.opts<{ color?: boolean }>().color, settings.env));
  program.addOption(new Option("--debug", "print stack traces of errors").hideHelp());
  return program;
}

/** An Examples block for a command's --help, each line a coredump command. */
function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  coredump ${line}`).join("\n")}`;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function packageVersion(): string {
  // dist/src/cli/main.js → the package's root.
  return (createRequire(import.meta.url)("../../../package.json") as { version: string }).version;
}

/**
 * The AWS SDK warns on every run under Node 20 that its releases from 2027 on will need Node 22. That
 * is a note for whoever pins the SDK (package.json does), not for someone reading a crash.
 */
function silenceSdkNodeWarning(): void {
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
    if (typeof warning === "string" && warning.startsWith("NodeVersionSupportWarning")) return;
    emitWarning(warning, ...rest);
  }) as typeof process.emitWarning;
}

/** `coredump list | head` closes the pipe early: that is the reader's choice, not an error. */
function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      process.exit(error.code === "EPIPE" ? 0 : 1);
    });
  }
}

/**
 * `coredump triage --help` and `coredump help triage` name a command that does not exist: that is the error
 * to show (exit 2), not the program's help, which commander would print because --help comes first to it.
 */
function withoutHelpOfUnknownCommand(program: Command, argv: readonly string[]): string[] {
  const args = argv.slice(2);
  const takesValue = new Set(
    program.options
      .filter((option) => option.required || option.optional)
      .flatMap((option) => [option.long, option.short]),
  );
  let operand: string | undefined;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? "";
    if (!arg.startsWith("-")) {
      operand = arg;
      break;
    }
    if (takesValue.has(arg)) index++;
  }
  const known = program.commands.flatMap((command) => [command.name(), ...command.aliases()]);
  if (operand === "help") {
    // `coredump help nope`: the unknown command is the error, not the program's help.
    const asked = args[args.indexOf("help") + 1];
    if (asked !== undefined && !asked.startsWith("-") && !known.includes(asked))
      return [...argv.slice(0, 2), asked];
    return [...argv];
  }
  if (operand === undefined || known.includes(operand)) return [...argv];
  return argv.filter((arg, index) => index < 2 || (arg !== "--help" && arg !== "-h"));
}

export async function main(argv: readonly string[]): Promise<number> {
  installInterruptHandling();
  silenceSdkNodeWarning();
  exitQuietlyOnClosedPipe();
  const dash = argv.indexOf("--");
  const [own, debuggerArgs] = dash < 0 ? [argv, []] : [argv.slice(0, dash), argv.slice(dash + 1)];
  // The one place the environment is read: everything below gets these settings.
  const settings = readSettings(process.env);
  chooseColour(undefined, settings.env);
  const program = buildProgram([...debuggerArgs], settings);
  try {
    await program.parseAsync(withoutHelpOfUnknownCommand(program, own));
    // A step that went on after Ctrl-C (a debugger that stopped on it) does not turn it into a success.
    if (wasInterrupted()) exitInterrupted();
    return commandStatus;
  } catch (error) {
    if (error instanceof CommanderError) {
      // `coredump help list` ends with commander.help and list's help shown: a success, as --help is.
      const helped = ["commander.helpDisplayed", "commander.help", "commander.version"].includes(error.code);
      return helped && error.exitCode === 0 ? 0 : 2;
    }
    if (wasInterrupted() && !(error instanceof InterruptedError)) exitInterrupted();
    const status = renderError(error, program.opts().debug === true || settings.showStacks);
    // Whatever still runs (a request, a child) must not keep an interrupted process alive.
    if (status === 130) exitInterrupted(true);
    return status;
  }
}
