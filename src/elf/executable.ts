import { ExpectedError } from "../errors.js";
import { ET_CORE, ET_EXEC } from "./elf-header.js";
import { elfIdentityOfFile } from "./elf-identity.js";
import type { Machine } from "./machine.js";
import { withFile } from "./random-access.js";

export interface ExecutableInfo {
  machine: Machine;
  /** Absent for a binary linked without `--build-id`. */
  buildId?: string;
  /** The Go build ID, for an executable Go's linker wrote. */
  goBuildId?: string;
  /** Linked at fixed addresses (ET_EXEC, not position-independent): its addresses are the process's. */
  fixedAddresses?: boolean;
}

export class NotAnExecutableError extends ExpectedError {
  constructor(path: string) {
    super(`${path} is a core file, not an executable`);
    this.name = "NotAnExecutableError";
  }
}

/** An executable's (or shared library's) machine and build-id, from its headers and notes only. */
export async function readExecutableInfo(path: string): Promise<ExecutableInfo> {
  const identity = await withFile(path, elfIdentityOfFile);
  if (identity.header.type === ET_CORE) throw new NotAnExecutableError(path);
  const info: ExecutableInfo = { machine: identity.header.machine };
  if (identity.buildId) info.buildId = identity.buildId;
  if (identity.goBuildId) info.goBuildId = identity.goBuildId;
  if (identity.header.type === ET_EXEC) info.fixedAddresses = true;
  return info;
}

/** The machine of any ELF file (executable, library or core), from its header alone. */
export async function machineOfFile(path: string): Promise<Machine> {
  return (await withFile(path, elfIdentityOfFile)).header.machine;
}
