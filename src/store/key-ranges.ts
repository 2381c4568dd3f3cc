/** Keys after `after` (exclusive) and up to `upTo` (inclusive); either end may be open. */
export interface KeyRange {
  after?: string;
  upTo?: string;
}

const HEX = "0123456789abcdef";

/**
 * Splits the keys of `prefix` that sort after `after` into ranges at the hex digits that begin a uuid,
 * so that they can be listed at once. Together the ranges cover every key after `after` exactly once,
 * whatever its first character.
 */
export function keyRanges(prefix: string, after: string): KeyRange[] {
  const bounds = [...HEX].map((digit) => prefix + digit).filter((bound) => bound > after);
  const ranges: KeyRange[] = [];
  let lower = after;
  for (const bound of bounds) {
    ranges.push({ after: lower, upTo: bound });
    lower = bound;
  }
  ranges.push({ after: lower });
  return ranges;
}
