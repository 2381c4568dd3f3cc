/**
 * Whether this build of coredump has issue 11's verbs yet (`heap`, `heapsnapshot`), from `coredump --help`:
 * the heap tests and the heap benchmark skip what needs them, saying so, until the reader is merged.
 */
import { coredump } from "./cli.js";

export interface HeapVerbs {
  heap: boolean;
  heapsnapshot: boolean;
}

export async function heapVerbs(): Promise<HeapVerbs> {
  const help = await coredump(["--help"]);
  const listed = (verb: string) => new RegExp(`^\\s+${verb}\\b`, "m").test(help.stdout);
  return { heap: listed("heap"), heapsnapshot: listed("heapsnapshot") };
}

/** The reason a test skips when a verb is missing. */
export function missingVerb(verb: string): string {
  return `\`coredump ${verb}\` is not in \`coredump --help\` yet: issue 11's reader (branch heap) is not merged`;
}
