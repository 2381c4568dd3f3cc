import { ExpectedError, UsageError } from "../errors.js";
import { crashTime, type Dump } from "./dump.js";

export class NoMatchError extends ExpectedError {
  override name = "NoMatchError";
}

export const MIN_PREFIX = 4;

/**
 * Finds the dump an id names: a full uuid, a unique prefix of at least four characters of the uuid or
 * of the name, or `last` for the newest. `dumps` must be newest first.
 */
export function resolveId(dumps: readonly Dump[], id: string): Dump {
  const wanted = id.trim().toLowerCase();
  if (wanted === "last") {
    const newest = dumps[0];
    if (!newest) throw new NoMatchError("there are no dumps to choose from");
    return newest;
  }
  if (wanted.length < MIN_PREFIX) {
    throw new UsageError(
      `id "${id}" is too short: give at least ${MIN_PREFIX} characters of the dump's id, or "last"`,
    );
  }
  const exact = dumps.filter(
    (dump) => dump.id.toLowerCase() === wanted || dump.stem.toLowerCase() === wanted,
  );
  if (exact.length === 1) return exact[0] as Dump;
  const matches = exact.length > 1 ? exact : dumps.filter((dump) => matchesPrefix(dump, wanted));
  if (matches.length === 1) return matches[0] as Dump;
  if (matches.length === 0) {
    throw new NoMatchError(`no dump matches "${id}": run \`coredump list\` to see the ids`);
  }
  const shown = matches
    .slice(0, 10)
    .map((dump) => `  ${dump.id}  ${dump.pod ?? "-"}  ${crashTime(dump)?.toISOString() ?? ""}`);
  const more = matches.length > 10 ? [`  … and ${matches.length - 10} more`] : [];
  throw new NoMatchError(
    [`"${id}" matches ${matches.length} dumps; give more of the id:`, ...shown, ...more].join("\n"),
  );
}

function matchesPrefix(dump: Dump, prefix: string): boolean {
  return dump.id.toLowerCase().startsWith(prefix) || dump.stem.toLowerCase().startsWith(prefix);
}
