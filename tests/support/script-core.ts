/**
 * The real core of a fixture script that crashes under a given node binary, made once and cached under
 * `<repo>/.cache/fixtures/<prefix>-<node version>[-<variant>]-<sha256(script), 12 hex>/` as `core`,
 * `meta.json` and whatever else the run leaves (tests/support/fixture-cache.ts publishes it atomically).
 * The script runs as CommonJS in the staging folder, which becomes the entry: paths the process printed
 * name that folder, which no longer exists once renamed. A node of another machine runs under the recipe's
 * `emulator`, and its entries are `<prefix>-<machine>-<node version>…` (`core-aarch64-v22.20.0-…`).
 */
import { readFile, realpath, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import {
  type Crash,
  collectCore,
  type Emulator,
  plainCorePattern,
  readCoreEntry,
  shortHash,
  versionOf,
  writeCoreMeta,
} from "./crash-core.js";
import { cachedFixture } from "./fixture-cache.js";
import { repoRoot } from "./repo-root.js";

/** What every such core records: the node that ran, its version, and how the process died. */
export interface CrashFields {
  node: string;
  nodeVersion: string;
  pid: number;
  signal: number;
}

export interface ScriptCoreRecipe<F> {
  /** The entry's first word: `core`, `heap`, `oom`. */
  prefix: string;
  /** The script's path under the repository, e.g. `tests/fixtures/heap-app/app.js`. */
  script: string;
  /** The node binary to run it with. */
  node: string;
  /** A word for what else the run depends on (a flag's value): `64m`. */
  variant?: string;
  /** Runs `node`, a binary of another machine, under this emulator (`crash` must pass it to `runToCrash`). */
  emulator?: Emulator;
  /** Runs the script (named as `script` is, in `cwd`) until it crashes. */
  crash: (node: string, script: string, cwd: string) => Promise<Crash>;
  /** What to keep of the crash (run in `cwd`) besides `CrashFields`; throws when it died of something else. */
  fields: (crash: Crash, cwd: string) => F;
  /** Other files the run leaves in its folder that an entry needs to be complete. */
  alsoNeeded?: readonly string[];
}

/** The cached core of `recipe`, its fields, and the entry's folder (where `alsoNeeded` files are). */
export async function scriptCore<F extends object>(
  recipe: ScriptCoreRecipe<F>,
): Promise<F & CrashFields & { core: string; entry: string }> {
  const node = await realpath(recipe.node);
  const script = await readFile(join(repoRoot(), recipe.script));
  const nodeVersion = await versionOf(node, recipe.emulator);
  const variant = recipe.variant ? `-${recipe.variant}` : "";
  const machine = recipe.emulator ? `-${recipe.emulator.machine}` : "";
  const name = `${recipe.prefix}${machine}-${nodeVersion}${variant}-${shortHash(script)}`;
  const read = async (entry: string) => {
    const fields = await readCoreEntry<F & CrashFields>(entry, recipe.alsoNeeded);
    // The node recorded is the one of the checkout that made the entry (.cache is shared): this one's,
    // of the same version, is the one that exists here.
    return fields && { ...fields, node, entry };
  };
  return cachedFixture({
    name,
    read,
    make: async (stage) => {
      const corePattern = await plainCorePattern();
      const file = basename(recipe.script);
      await writeFile(join(stage, file), script);
      // The stage is inside this package, whose package.json says "type": "module": the script is CommonJS.
      await writeFile(join(stage, "package.json"), '{ "type": "commonjs" }\n');
      const started = performance.now();
      // Where the process finds itself (.cache may be a link): the paths it prints start so.
      const cwd = await realpath(stage);
      const crash = await recipe.crash(node, file, cwd);
      const fields = recipe.fields(crash, cwd);
      await collectCore(stage, crash.pid, corePattern, recipe.emulator);
      const common: CrashFields = { node, nodeVersion, pid: crash.pid, signal: crash.signal };
      await writeCoreMeta(stage, { ...fields, ...common }, started);
    },
  });
}
