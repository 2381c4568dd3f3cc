import { readCoreSummary } from "../elf/index.js";
import type { ConstructorNamer } from "../heap/index.js";
import { constructorNamer } from "../report/constructor-names.js";
import type { Settings } from "../settings.js";
import { writeHuman } from "../ui/untrusted-text.js";
import type { FetchFlags, PreparedDump } from "./prepare-dump.js";

/**
 * What names a fetched dump's minified classes as written, for `heap` and `heapsnapshot`: the build folder
 * (`--source-maps`, checked before the fetch by sourceMapsFolder), else the crashed image's maps.
 */
export function namerForDump(
  prepared: PreparedDump,
  folder: string | undefined,
  flags: FetchFlags,
  settings: Settings,
): ConstructorNamer {
  return constructorNamer(
    {
      images: prepared.dump.metadata?.images ?? [],
      settings,
      insecureRegistries: flags.insecureRegistry ?? [],
      folder,
      ...(flags.quiet
        ? {}
        : {
            onProgress: (message: string) =>
              writeHuman(process.stderr, `coredump: source maps: ${message}\n`),
          }),
    },
    async () => (await readCoreSummary(prepared.folder.core)).machine.ociArchitecture,
    flags.quiet ? undefined : (note) => writeHuman(process.stderr, `coredump: note: ${note}\n`),
  );
}
