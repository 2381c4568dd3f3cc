import { cString } from "./byte-view.js";

/** What NT_PRPSINFO says about the process: its command name and command line. */
export interface ProcessInfo {
  /** The command name, at most 15 characters (`comm`). */
  fname: string;
  /** The command line, arguments separated by spaces, cut at 80 characters by the kernel. */
  psargs: string;
}

const FNAME_SIZE = 16;
const PSARGS_SIZE = 80;

/**
 * In every architecture's `elf_prpsinfo` the last two fields are `pr_fname[16]` and `pr_psargs[80]`
 * (the fields before them differ in width), so they are read from the end.
 */
export function parsePrpsinfo(desc: Buffer): ProcessInfo | undefined {
  if (desc.length < FNAME_SIZE + PSARGS_SIZE) return undefined;
  const psargsAt = desc.length - PSARGS_SIZE;
  return {
    fname: cString(desc.subarray(psargsAt - FNAME_SIZE, psargsAt)),
    psargs: cString(desc.subarray(psargsAt)).trimEnd(),
  };
}
