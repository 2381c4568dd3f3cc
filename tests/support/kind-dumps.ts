import { pushAppImage } from "./app-image.js";
import { crashSpec } from "./crash-dumps.js";
import type { DumpSpec, ImageSpec } from "./handler-layout.js";
import { type CrashKind, type KindCore, kindCore } from "./kind-core.js";

export const CRASH_KINDS: readonly CrashKind[] = [
  "unhandled-rejection",
  "out-of-memory",
  "native-fault",
  "fatal-error",
  "abort",
];

/**
 * The real crash of each kind on the official build `version`, as dumps whose image (pushed to the rig's
 * open registry as `label`) holds that node at /usr/local/bin/node and the native fault's addon where the
 * process loaded it; each dump's container log is what the process printed on stderr.
 */
export async function kindDumps(
  version: string,
  label: string,
): Promise<{ image: ImageSpec; dumps: Array<{ crash: KindCore; spec: DumpSpec }> }> {
  const crashes = await Promise.all(CRASH_KINDS.map((kind) => kindCore(kind, version)));
  const addon = crashes.find((crash) => crash.addon)?.addon;
  const image = await pushAppImage(
    crashes[0]?.node ?? "",
    "/usr/local/bin/node",
    label,
    addon ? [[addon.file, addon.asRun]] : [],
  );
  const dumps = crashes.map((crash) => ({
    crash,
    spec: crashSpec(crash, image),
  }));
  return { image, dumps };
}
