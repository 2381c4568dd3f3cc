import { which } from "../../debuggers/which.js";
import { readExecutableInfo } from "../../elf/index.js";

/** Where C code called through cgo faulted: the function and line that binutils' addr2line reads from DWARF. */
export interface CgoFault {
  /** The program counter Go printed (`[signal SIGSEGV: … pc=0x482ee6]`). */
  pc: string;
  function?: string;
  file?: string;
  line?: number;
}

const ADDR2LINE_MS = 30_000;

/**
 * The place of the faulting pc in the executable, from Go's `[signal …]` line: Go's own traceback shows only
 * the `_Cfunc_` stub, and Delve reads no C frames. The pc is moved by the load bias of a position-independent
 * executable (`mappedAt`, its first mapping). Without addr2line or DWARF: the pc alone.
 */
export async function cgoFaultPlace(
  signal: string,
  executable: string,
  mappedAt: number | undefined,
  searchPath: string,
): Promise<CgoFault | undefined> {
  const pc = /\bpc=(0x[0-9a-f]+)\b/.exec(signal)?.[1];
  if (!pc) return undefined;
  const fault: CgoFault = { pc };
  const tool = which("addr2line", searchPath);
  if (!tool) return fault;
  const info = await readExecutableInfo(executable);
  const address = info.fixedAddresses ? BigInt(pc) : BigInt(pc) - BigInt(mappedAt ?? 0);
  const { execa } = await import("execa");
  const result = await execa(tool, ["-f", "-e", executable, `0x${address.toString(16)}`], {
    reject: false,
    stdin: "ignore",
    timeout: ADDR2LINE_MS,
  });
  const [name, place] = result.stdout.split("\n");
  if (name && name !== "??") fault.function = name;
  const where = place && /^(.+):(\d+)(?: \(discriminator \d+\))?$/.exec(place);
  if (where?.[1] && where[1] !== "??") {
    fault.file = where[1];
    fault.line = Number(where[2]);
  }
  return fault;
}
