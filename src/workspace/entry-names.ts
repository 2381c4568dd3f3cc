import path from "node:path";
import { ExpectedError } from "../errors.js";
import { TEMPORARY_SUFFIX_BYTES } from "./atomic-write.js";

/** The longest file name (NAME_MAX) and path (PATH_MAX, its NUL included) Linux takes, in bytes. */
const NAME_MAX = 255;
const PATH_MAX = 4096;
/** A zip entry or object name that would write outside the dump's folder. */
export class UnsafeNameError extends ExpectedError {
  override name = "UnsafeNameError";
}

/**
 * The short, stable file name of one metadata file of a dump: its name without the dump's long stem,
 * `NAME-0-image-info.json` → `0-image-info.json`, `NAME-0-proc/maps` → `0-proc/maps`. Throws for names
 * that could leave the folder (absolute, `..`, backslashes).
 */
export function shortName(name: string, stem: string): string {
  checkSafe(name);
  const short =
    name.startsWith(stem) && /^[-.]./.test(name.slice(stem.length)) ? name.slice(stem.length + 1) : name;
  checkSafe(short);
  return short;
}

/**
 * Short names for a dump's metadata entries, in archive order. Handler 7.0 to 8.7 numbered every container
 * 0, so two entries can share a name: a repeated `<i>-…` or `<i>.log` takes the next container's number,
 * counted in order of appearance, and anything else repeated gets a `.<n>` suffix. Nothing is overwritten.
 */
export function shortNames(names: readonly string[], stem: string): string[] {
  const taken = new Set<string>();
  const seenPerKind = new Map<string, number>();
  return names.map((name) => {
    let short = shortName(name, stem);
    const numbered = /^(\d+)(-.+|\.log)$/.exec(short);
    const kind = numbered?.[2];
    const occurrence = kind === undefined ? 0 : (seenPerKind.get(kind) ?? 0);
    if (kind !== undefined) seenPerKind.set(kind, occurrence + 1);
    if (taken.has(short) && kind !== undefined) short = `${occurrence}${kind}`;
    for (let copy = 2; taken.has(short); copy++) short = `${shortName(name, stem)}.${copy}`;
    taken.add(short);
    return short;
  });
}

/**
 * Whether a metadata file's short name is one the tool keeps for itself in the dump's folder: the core
 * (`core`, `core.heapsnapshot`, `core.<pid>-<t>.partial`), its records (`.coredump-fetch.json`, the
 * lock), any temporary `*.partial`, or a folder of such a name (`core/x` would make `core` a folder).
 */
export function isReservedName(short: string): boolean {
  const [first = ""] = short.split("/");
  return (
    first === "core" ||
    first.startsWith("core.") ||
    first.startsWith(".coredump") ||
    short.split("/").some((part) => part.endsWith(".partial"))
  );
}

/**
 * Why a metadata file of short name `short` cannot be written into `dir` (written under a temporary name
 * first): a part of its name longer than a file name may be, or a path longer than a path may be.
 * Undefined when it can.
 */
export function nameTooLong(dir: string, short: string): string | undefined {
  const parts = short.split("/");
  const longest = Math.max(
    ...parts.map(
      (part, index) => Buffer.byteLength(part) + (index === parts.length - 1 ? TEMPORARY_SUFFIX_BYTES : 0),
    ),
  );
  if (longest > NAME_MAX) return `a part of its name is longer than a file name may be (${NAME_MAX} bytes)`;
  const full = Buffer.byteLength(path.join(dir, short)) + TEMPORARY_SUFFIX_BYTES;
  if (full >= PATH_MAX) return `its path would be longer than a path may be (${PATH_MAX} bytes)`;
  return undefined;
}

function checkSafe(name: string): void {
  const parts = name.split("/");
  if (
    name === "" ||
    name.startsWith("/") ||
    name.includes("\\") ||
    name.includes("\0") ||
    parts.some((part) => part === ".." || part === "." || part === "")
  ) {
    throw new UnsafeNameError(`"${name}" would be written outside the dump's folder: refusing this archive`);
  }
}
