import { buildSysroot } from "../binaries/sysroot.js";
import type { ImageInfo } from "../catalog/metadata.js";
import type { Settings } from "../settings.js";
import { debugTarget } from "./choose.js";
import type { DebuggerKind, DebugTarget } from "./session.js";
import { strippedCopy } from "./strip-debug.js";

export interface TargetRequest {
  kind: DebuggerKind;
  executable: { path: string; buildId: string };
  core: string;
  /** The dump's folder, where gdb's sysroot of the image's libraries goes. */
  folder: string;
  images: ImageInfo[];
  insecureRegistries: string[];
  extraArgs?: string[];
  /** Debug the executable itself rather than a copy without DWARF (slower to start). */
  fullDebuginfo?: boolean;
  settings: Settings;
}

/** The debugger on a core, ready to run: the executable without DWARF, and for gdb the image's libraries. */
export async function prepareDebugTarget(request: TargetRequest): Promise<DebugTarget> {
  const { kind, executable, core, folder, images, insecureRegistries, settings } = request;
  // Delve needs the DWARF that the stripped copy drops (Go's frames and variables come from it).
  const binary =
    request.fullDebuginfo || kind === "dlv"
      ? executable.path
      : await strippedCopy(executable.path, executable.buildId, settings.cacheDir, settings.path);
  const target = await debugTarget(kind, binary, core, request.extraArgs ?? [], settings);
  if (kind === "gdb") {
    const sysroot = await buildSysroot({ core, images, folder, insecureRegistries, settings });
    if (sysroot) target.sysroot = sysroot;
  }
  return target;
}
