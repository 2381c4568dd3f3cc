import {
  type DumpSpec,
  defaultSpec,
  type ImageSpec,
  looseDump,
  writeToDirectory,
  zipDump,
} from "./handler-layout.js";
import { temporaryFolder } from "./temp-folders.js";

/** What a dump needs of a real crash. */
export interface CrashedProcess {
  core: string;
  pid: number;
  signal: number;
  /** What the process printed: the container's log in the dump. */
  stderr: string;
}

/** The dump spec of a real crash: its core, pid and signal, its stderr as the log, in `image` if given. */
export function crashSpec(crash: CrashedProcess, image?: ImageSpec): DumpSpec {
  return defaultSpec({
    core: crash.core,
    pid: crash.pid,
    signal: crash.signal,
    ...(image ? { image } : {}),
    containers: [{ name: "app", log: crash.stderr }],
  });
}

export interface CrashDumps {
  /** The folder to pass as `--dir`. */
  dir: string;
  /** The dumps' uuids, in the order of the cores given. */
  ids: string[];
}

/**
 * How the cores are laid out: `zip` is today's (one zip a dump), the core Deflated as the composer does by
 * default; `stored-zip` the same with the composer's compression off (quick to write, for the tests' many
 * cores); `loose` kcdt.sh's without gzip (the core copied as `NAME.core`, reflinked where the file system
 * can): nothing to pack or inflate, for cores of gigabytes.
 */
export type DumpLayout = "zip" | "stored-zip" | "loose";

/** Writes each core as a dump into a fresh folder under the temporary folder. */
export async function crashDumps(
  crashes: readonly CrashedProcess[],
  layout: DumpLayout = "zip",
): Promise<CrashDumps> {
  const dir = temporaryFolder("coredump-dumps-");
  const ids: string[] = [];
  for (const crash of crashes) {
    const spec = crashSpec(crash);
    const objects =
      layout === "loose"
        ? looseDump(spec, { gzip: false })
        : zipDump(spec, { coreCompression: layout === "zip" ? "deflate" : "store" });
    await writeToDirectory(objects, dir);
    ids.push(spec.uuid);
  }
  return { dir, ids };
}
