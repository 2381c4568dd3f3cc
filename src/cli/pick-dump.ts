import type { Catalog } from "../catalog/catalog.js";
import { crashTime, type Dump } from "../catalog/dump.js";
import { NoMatchError, resolveId } from "../catalog/resolve.js";
import { InterruptedError, UsageError } from "../errors.js";
import { formatTime } from "../ui/format.js";
import { visibleLine } from "../ui/untrusted-text.js";

/** The dump an id names, or, with no id on a terminal, the one the user picks from a list. */
export async function pickDump(catalog: Catalog, id: string | undefined, command: string): Promise<Dump> {
  const dumps = await catalog.dumps();
  if (id !== undefined) {
    const [described] = await catalog.describe([resolveId(dumps, id)]);
    return described as Dump;
  }
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new UsageError(
      `no dump named: give an id (\`coredump ${command} <id>\`, an id from \`coredump list\`, or "last")`,
    );
  }
  if (dumps.length === 0) throw new NoMatchError(`no dumps in ${catalog.store.description}`);
  const described = await catalog.describe(dumps, "list");
  const { select } = await import("@inquirer/prompts");
  return select(
    {
      message: "Which dump?",
      pageSize: 15,
      choices: described.map((dump) => ({
        name: visibleLine(
          `${dump.id.slice(0, 8)}  ${formatTime(crashTime(dump))}  ${dump.namespace ?? "-"}/${dump.pod ?? "-"}  ${dump.exe ?? "?"}  ${dump.signalName ?? ""}`,
        ),
        value: dump,
      })),
    },
    { output: process.stderr },
  )
    .then(async (chosen) => (await catalog.describe([chosen]))[0] as Dump)
    .catch((error: unknown) => {
      // Ctrl-C in the picker is the user's way out, not a failure.
      if ((error as Error).name === "ExitPromptError")
        throw new InterruptedError("interrupted: no dump chosen");
      throw error;
    });
}
