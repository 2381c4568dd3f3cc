import { constants } from "node:fs";
import { access, statfs } from "node:fs/promises";
import path from "node:path";
import { llnodeBuildScript, missingForBuild } from "../debuggers/llnode-first-use.js";
import { describePlugin } from "../debuggers/llnode-limits.js";
import { findDlv, findGdb, findLldb, installedLlnodePlugin, type LlnodePlugin } from "../debuggers/locate.js";
import { which } from "../debuggers/which.js";
import { ExpectedError } from "../errors.js";
import { configuredRegistries } from "../image/configured-registries.js";
import type { Settings } from "../settings.js";
import { describeCredentials, s3ConfigFrom } from "../store/s3-config.js";
import { StoreError } from "../store/store.js";
import { formatSize } from "../ui/format.js";
import { makeFolders } from "../util/make-folders.js";
import { workdirFrom } from "../workspace/dump-folder.js";
import { DEFAULT_CORES_DIR, openStore } from "./open-catalog.js";
import type { StoreFlags } from "./store-options.js";

/** One thing coredump needs or can use: found, missing, or there but not working. Never holds a secret. */
export interface Check {
  name: string;
  status: "ok" | "missing" | "failed";
  /** Without it, coredump cannot list or debug a dump: doctor exits 1. */
  essential: boolean;
  detail: string;
  /** What to do, when the status is not ok. */
  fix?: string;
}

/**
 * A key no dump has, under the prefix (a team's key may read nothing else): asking for it tells whether
 * the store answers and accepts the credentials.
 */
const PROBE_NAME = ".coredump-doctor-probe";

/** Below this, a working folder cannot take an ordinary core. */
const LOW_SPACE = 2_000_000_000;

/** Every check, in the order a user meets them: the store, the cache, the debuggers, the registries. */
export async function runChecks(
  flags: StoreFlags & { workdir?: string },
  settings: Settings,
): Promise<Check[]> {
  const plugin = pluginCheck(settings);
  return [
    await storeCheck(flags, settings),
    await cacheCheck(settings),
    await workdirCheck(workdirFrom(flags.workdir, settings)),
    lldbCheck(plugin.found, settings),
    await plugin.check,
    toolCheck(
      "gdb",
      () => findGdb(settings),
      "debug --debugger gdb, and native frames of cores that are not Node's",
    ),
    toolCheck(
      "dlv",
      () => `${findDlv(settings)} (a Go program writes a core only under GOTRACEBACK=crash)`,
      "debug and report on Go cores (Delve: `apt-get install delve`); a Go program writes a core only under GOTRACEBACK=crash",
    ),
    toolCheck(
      "objcopy",
      () =>
        which("objcopy", settings.path) ?? missing("objcopy is not installed: `apt-get install binutils`"),
      "lldb starts in about 1 s on a copy without DWARF instead of about 11 s",
    ),
    await registriesCheck(settings),
  ];
}

async function storeCheck(flags: StoreFlags, settings: Settings): Promise<Check> {
  const name = "store";
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = await openStore(flags, settings);
  } catch (error) {
    return failure(name, "missing", error, true);
  }
  const s3 = flags.dir ? undefined : s3ConfigFrom(flags, settings.env);
  if (!s3) {
    const folder = flags.dir ?? DEFAULT_CORES_DIR;
    const readable = await access(folder, constants.R_OK).then(
      () => true,
      () => false,
    );
    return readable
      ? { name, status: "ok", essential: true, detail: `the folder ${store.description}` }
      : { name, status: "failed", essential: true, detail: `${folder} cannot be read`, fix: "check --dir" };
  }
  const detail = `${store.description}, with ${describeCredentials(s3, settings.env)}`;
  try {
    // What `list` does first: one key of the listing under the prefix.
    const { S3Store } = await import("../store/s3-store.js");
    if (store instanceof S3Store) await store.probe();
    else await store.stat(`${s3.prefix}${PROBE_NAME}`);
  } catch (error) {
    if (error instanceof StoreError && error.kind === "not-found")
      return { name, status: "ok", essential: true, detail: `${detail}: it answers and accepts them` };
    if (!(error instanceof StoreError)) throw error;
    return {
      name,
      status: "failed",
      essential: true,
      // The message names the store and the credentials itself.
      detail: error.message,
      fix: storeFix(error, s3.prefix),
    };
  }
  return { name, status: "ok", essential: true, detail: `${detail}: it answers and accepts them` };
}

/** What to do about a store that answered no: one line per kind of no. */
function storeFix(error: StoreError, prefix: string): string {
  switch (error.kind) {
    case "bad-credentials":
      return "check S3_ACCESS_KEY and S3_SECRET (or the AWS profile): the key or its secret is wrong";
    case "denied":
      return prefix === ""
        ? "the key may not read this bucket: a team's key reads its own prefix only, so give --prefix, or ask for s3:GetObject and s3:ListBucket"
        : `the key may not read under ${prefix}: check the bucket's policy for that prefix`;
    case "no-bucket":
      return "check --bucket (S3_BUCKET_NAME) and --region";
    case "unreachable":
      return "check --endpoint (S3_ENDPOINT), the network and any proxy";
    default:
      return "check --endpoint (S3_ENDPOINT): it should be the S3 service that holds the dumps";
  }
}

async function cacheCheck(settings: Settings): Promise<Check> {
  const name = "cache";
  const folder = settings.cacheDir;
  try {
    await makeFolders(folder, 0o700);
    await access(folder, constants.W_OK);
    const space = await statfs(folder);
    return {
      name,
      status: "ok",
      essential: true,
      detail: `${folder}, ${formatSize(space.bavail * space.bsize)} free`,
    };
  } catch (error) {
    return {
      name,
      status: "failed",
      essential: true,
      detail: `${folder} cannot be written (${(error as NodeJS.ErrnoException).code ?? error})`,
      fix: "set XDG_CACHE_HOME to a folder of your own",
    };
  }
}

/** The working folder, where cores are written whole: can it be written, and does a core fit? */
async function workdirCheck(workdir: string): Promise<Check> {
  const name = "working folder";
  let existing = workdir;
  while (
    !(await access(existing).then(
      () => true,
      () => false,
    )) &&
    path.dirname(existing) !== existing
  )
    existing = path.dirname(existing);
  const fix = "give --workdir (or COREDUMP_WORKDIR) a folder with room for cores";
  const writable = await access(existing, constants.W_OK).then(
    () => true,
    () => false,
  );
  if (!writable)
    return { name, status: "failed", essential: false, detail: `${existing} cannot be written`, fix };
  const space = await statfs(existing);
  const free = space.bavail * space.bsize;
  const detail = `${workdir}, ${formatSize(free)} free`;
  return free < LOW_SPACE
    ? { name, status: "failed", essential: false, detail: `${detail}: a core of a few GB will not fit`, fix }
    : { name, status: "ok", essential: false, detail };
}

function lldbCheck(plugin: LlnodePlugin | undefined, settings: Settings): Check {
  return toolCheck("lldb", () => findLldb(plugin, settings), "the debugger llnode runs in", true);
}

/** The plugin now, and as a check: none installed is fine when the first use can build one. */
function pluginCheck(settings: Settings): { found: LlnodePlugin | undefined; check: Promise<Check> } {
  const name = "llnode plugin";
  let found: LlnodePlugin | undefined;
  try {
    found = installedLlnodePlugin(settings);
  } catch (error) {
    return { found, check: Promise.resolve(failure(name, "failed", error, true)) };
  }
  if (found) {
    const reads = found.published
      ? "llnode 4.0.0 as published: reads Node 16 to 20 only"
      : "patched: reads Node 16 to 24";
    return {
      found,
      check: Promise.resolve({
        name,
        status: "ok",
        essential: true,
        detail: `${describePlugin(found)}; ${reads}`,
      }),
    };
  }
  const check = missingForBuild(settings).then((lacking): Check => {
    const script = llnodeBuildScript();
    if (lacking.length === 0)
      return {
        name,
        status: "missing",
        essential: false,
        detail:
          "none installed: debug and report build the project's llnode into the cache on first use (about 15 s)",
        fix: `bash ${script} builds it now`,
      };
    return {
      name,
      status: "missing",
      essential: true,
      detail: `none installed, and building one needs ${lacking.join(", ")}`,
      fix: `apt-get install lldb liblldb-dev g++, then coredump builds it (or bash ${script}); or set LLNODE_PLUGIN`,
    };
  });
  return { found, check };
}

async function registriesCheck(settings: Settings): Promise<Check> {
  const registries = await configuredRegistries(settings);
  const detail =
    registries.length === 0
      ? "none configured: images are pulled anonymously"
      : registries.map(({ registry, kind, source }) => `${registry} (${kind}, ${source})`).join("; ");
  return { name: "registry credentials", status: "ok", essential: false, detail };
}

function toolCheck(name: string, find: () => string, use: string, essential = false): Check {
  try {
    return { name, status: "ok", essential, detail: find() };
  } catch (error) {
    return { ...failure(name, "missing", error, essential), detail: `not found: ${use}` };
  }
}

function failure(name: string, status: "missing" | "failed", error: unknown, essential: boolean): Check {
  if (!(error instanceof ExpectedError)) throw error;
  return { name, status, essential, detail: error.message };
}

function missing(message: string): never {
  throw new ExpectedError(message);
}

/** Doctor's verdict: every essential check is ok (a plugin that first use will build counts as there). */
export function essentialsThere(checks: readonly Check[]): boolean {
  return checks.every((check) => check.status === "ok" || !check.essential);
}
