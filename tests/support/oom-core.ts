/**
 * A real core of a real heap-out-of-memory death: tests/fixtures/oom-service/service.js, a service leaking
 * `Session` objects into a Map, run under `--max-old-space-size=<heapMb>` until V8 gives up and node aborts
 * (SIGABRT, whatever the flags: see /work/shared/notes/crash-kinds.md).
 *
 * Made once per (node version, heap limit, service.js content) and cached under
 * `<repo>/.cache/fixtures/oom-<node version>-<heapMb>m-<sha256(service.js), 12 hex>/` as `core` and
 * `meta.json` (tests/support/script-core.ts). A 64 MB heap makes a core of about 150 MB (800 MB apparent on
 * Node 24, sparse) in a few seconds; a 1 GB heap a core of 1.1 GB. With an `emulator`, `node` is a binary of
 * another machine run under qemu-user, cached as `oom-<machine>-<node version>-…` (tests/support/arm64-core.ts).
 */
import { join } from "node:path";
import { type Emulator, runToCrash } from "./crash-core.js";
import { memoised } from "./memo.js";
import { scriptCore } from "./script-core.js";

export type OomCore = {
  /** Path of the ELF core file (mode 0600). */
  core: string;
  /** Path of the node binary that ran and crashed (resolved through symlinks). */
  node: string;
  /** `process.version` of that binary, e.g. `v22.22.0`. */
  nodeVersion: string;
  pid: number;
  /** SIGABRT (6). */
  signal: number;
  /** The `--max-old-space-size` it ran with, in MB. */
  heapMb: number;
  /** The class whose instances leak, as the service names it: `Session`. */
  leaking: string;
  /** Every class of the service's own, the leaking one among them. */
  classes: string[];
  /** V8's last GCs, `FATAL ERROR: … JavaScript heap out of memory`, and the native stack. */
  stderr: string;
};

/** The service, under the repository. */
export const OOM_SERVICE = join("tests", "fixtures", "oom-service", "service.js");

const obtainOnce = memoised(obtain);

/**
 * The cached OOM core of this node binary (default: the one running the tests) with a heap of `heapMb`,
 * run under `emulator` if given.
 */
export function oomCore(options: { node?: string; heapMb: number; emulator?: Emulator }): Promise<OomCore> {
  return obtainOnce(
    JSON.stringify([options.node ?? process.execPath, options.heapMb, options.emulator ?? null]),
  );
}

async function obtain(key: string): Promise<OomCore> {
  const [node, heapMb, emulator] = JSON.parse(key) as [string, number, Emulator | null];
  const { entry: _entry, ...made } = await scriptCore({
    prefix: "oom",
    script: OOM_SERVICE,
    node,
    variant: `${heapMb}m`,
    emulator: emulator ?? undefined,
    crash: (binary, script, cwd) =>
      runToCrash({
        node: binary,
        emulator: emulator ?? undefined,
        args: [`--max-old-space-size=${heapMb}`, script],
        cwd,
        // Filling the heap takes longer the larger it is, its last GCs most: minutes for 2 GB on a busy machine;
        // qemu-user several times longer again.
        timeoutMs: (120_000 + heapMb * 500) * (emulator ? 4 : 1),
      }),
    fields: (crash) => {
      const named = /^(\{.*\})$/m.exec(crash.stdout)?.[1];
      if (crash.signal !== 6 || !named || !/JavaScript heap out of memory/.test(crash.stderr))
        throw new Error(
          `oomCore: the service died of signal ${crash.signal}, not of its leak:\n${crash.stderr}`,
        );
      const { leaking, classes } = JSON.parse(named) as { leaking: string; classes: string[] };
      return { heapMb, leaking, classes, stderr: crash.stderr };
    },
  });
  return made;
}
