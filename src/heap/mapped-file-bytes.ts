import { closeSync, openSync, readSync } from "node:fs";
import type { FileMapping } from "../elf/nt-file.js";

/** Largest read served: a script's source, not a library's whole text. */
const MAX_READ = 64 * 1024 * 1024;

/**
 * Bytes of a file the crashed process had mapped, read from a local copy of it at the offsets the core's
 * NT_FILE note gives: what the core leaves out (the kernel does not dump unwritten file-backed pages), such
 * as the sources of Node's own modules in the executable's read-only data. Only the verified executable is
 * given here, never a path the core names.
 */
export class MappedFileBytes {
  private fd: number | undefined;

  constructor(
    private readonly localPath: string,
    private readonly mappings: readonly FileMapping[],
  ) {}

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  bytes(address: number, length: number): Buffer | undefined {
    const mapping = this.mappings.find((candidate) => address >= candidate.start && address < candidate.end);
    if (!mapping || address + length > mapping.end || length > MAX_READ) return undefined;
    this.fd ??= openSync(this.localPath, "r");
    const buffer = Buffer.alloc(length);
    const read = readSync(this.fd, buffer, 0, length, mapping.fileOffset + (address - mapping.start));
    return read === length ? buffer : undefined;
  }
}
