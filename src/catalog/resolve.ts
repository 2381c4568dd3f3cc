import { ExpectedError, UsageError } from "../errors.js";
import { crashTime, type Dump } from "./dump.js";
import { keysOf, storedObjectOf } from "./group.js";

export class NoMatchError extends ExpectedError {
  override name = "NoMatchError";
}

export const MIN_PREFIX = 4;
const SHOWN = 10;

/**
 * Finds the dump an id names: one of its keys (as `list --json` gives them), its full uuid or name stem, a
 * unique prefix of at least four characters of either, or `last` for the newest. `dumps` must be newest
 * first. Two dumps can share a uuid (a store holds what was put into it): a key then tells them apart, and
 * the error that lists them says so.
 */
export function resolveId(dumps: readonly Dump[], id: string): Dump {
  const given = id.trim();
  const wanted = given.toLowerCase();
  if (wanted === "last") {
    const newest = dumps[0];
    if (!newest) throw new NoMatchError("there are no dumps to choose from");
    return newest;
  }
  // A key is unique in its store, whatever uuid the dump's name or content claims.
  const byKey = dumps.filter((dump) => keysOf(dump.objects).includes(given));
  if (byKey.length === 1) return byKey[0] as Dump;
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
  const ids = new Set(matches.map((dump) => dump.id.toLowerCase()));
  const shared = ids.size < matches.length;
  const shown = matches
    .slice(0, SHOWN)
    .map(
      (dump) =>
        `  ${shared ? keyOf(dump) : dump.id}  ${dump.pod ?? "-"}  ${crashTime(dump)?.toISOString() ?? ""}`,
    );
  const more = matches.length > SHOWN ? [`  … and ${matches.length - SHOWN} more`] : [];
  const head = shared
    ? `"${id}" matches ${matches.length} dumps, some of them with one uuid: give the key of the one you mean instead (\`coredump list --json\` shows each dump's keys):`
    : `"${id}" matches ${matches.length} dumps; give more of the id:`;
  throw new NoMatchError([head, ...shown, ...more].join("\n"));
}

/** The key that names a dump in messages: its zip or core, else its first. */
function keyOf(dump: Dump): string {
  return storedObjectOf(dump.objects)?.key ?? keysOf(dump.objects)[0] ?? dump.stem;
}

function matchesPrefix(dump: Dump, prefix: string): boolean {
  return dump.id.toLowerCase().startsWith(prefix) || dump.stem.toLowerCase().startsWith(prefix);
}
