import { ExpectedError } from "../errors.js";
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
