import { existsSync } from "node:fs";
import path from "node:path";
import { buildSysroot } from "../../binaries/sysroot.js";
import type { ImageInfo } from "../../catalog/metadata.js";
import { functionAt, readCoreSummary } from "../../elf/index.js";
import type { Settings } from "../../settings.js";
import { signalName } from "../../util/signals.js";

/** Where a native fault happened (`fault` in `report --json`). */
export interface FaultSection {
  signal: string;
  /** The address the faulting access touched, in hex. */
  address?: string;
  /** The program counter, in hex. */
  pc?: string;
  /** The ELF file the program counter lies in, by its path in the crashed process (NT_FILE). */
  library: string;
  /** Its function there, from the file's symbols. */
  function?: string;
  /** Why the function is not named, where it is not. */
  note?: string;
}

export interface FaultRequest {
  core: string;
  /** The verified executable: its symbols name a fault inside node itself. */
  executable: string;
  images: ImageInfo[];
  /** The dump's folder, where the library pulled from the image goes (`sysroot/`). */
  folder: string;
  insecureRegistries: string[];
  settings: Settings;
}

/**
 * The faulting thread's program counter, the mapped file that holds it, and the function there: a library
 * is pulled from the crashed container's image and kept only when its build-id is the one in the core.
 */
export async function faultSection(request: FaultRequest): Promise<FaultSection | undefined> {
  const summary = await readCoreSummary(request.core, { nodeVersion: false });
  const state = summary.fault;
  if (!state?.pc) return undefined;
  const pc = state.pc;
  const section = {
    signal: signalName(state.signal) ?? String(state.signal),
    ...(state.address === undefined ? {} : { address: hex(state.address) }),
    pc: hex(pc),
  };
  const module = summary.modules.find((candidate) => pc >= candidate.start && pc < candidate.end);
  if (!module) return { ...section, library: "(no mapped file: generated code or the stack)" };
  const file =
    module === summary.executable
      ? request.executable || undefined
      : await pulledLibrary(request, module.path);
  if (!file) {
    return { ...section, library: module.path, note: "not found in the image with the core's build-id" };
  }
  const name = await functionAt(file, pc - module.start);
  return { ...section, library: module.path, ...(name ? { function: name } : { note: "no symbol there" }) };
}

async function pulledLibrary(request: FaultRequest, library: string): Promise<string | undefined> {
  const sysroot = await buildSysroot({
    core: request.core,
    images: request.images,
    folder: request.folder,
    insecureRegistries: request.insecureRegistries,
    settings: request.settings,
    only: [library],
  });
  const file = sysroot && path.join(sysroot.root, path.posix.normalize(library));
  return file && existsSync(file) ? file : undefined;
}

function hex(value: number): string {
  return `0x${value.toString(16)}`;
}
