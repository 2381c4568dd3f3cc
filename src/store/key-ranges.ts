/**
 * One listing of part of a folder: the keys that start with `prefix`, sort after `startAfter` and before
 * `before`. `maxKeys` keeps a listing that is expected to be nearly empty from reading a full page past
 * its end.
 */
export interface ListPart {
  prefix: string;
  startAfter?: string;
  before?: string;
  maxKeys?: number;
}

const HEX = "0123456789abcdef";
/** The largest code point: no real key continues a character with anything above it. */
const MAX = "\u{10FFFF}";
/** Keys whose first character is not a hex digit are rare (an old `dump-…` starts with `d`, a hex digit). */
const GAP_PAGE = 100;

/**
 * Splits the keys of `folder` that sort after `after` into listings that can run at once and together
 * return each of them exactly once: one per hex digit that begins a uuid (a prefix listing never reads
 * past its end), and small ones for the gaps between them.
 */
export function partsAfter(folder: string, after: string): ListPart[] {
  const parts: ListPart[] = [];
  for (const digit of HEX) {
    const prefix = folder + digit;
    if (after.startsWith(prefix)) parts.push({ prefix, startAfter: after });
    else if (prefix > after) parts.push({ prefix });
  }
  const gaps: Array<[string, string | undefined]> = [
    [folder, `${folder}0`],
    [`${folder}9${MAX}`, `${folder}a`],
    [`${folder}f${MAX}`, undefined],
  ];
  for (const [low, before] of gaps) {
    if (before !== undefined && after >= before) continue;
    const startAfter = after > low ? after : low;
    parts.push({
      prefix: folder,
      ...(startAfter !== folder ? { startAfter } : {}),
      ...(before !== undefined ? { before } : {}),
      maxKeys: GAP_PAGE,
    });
  }
  return parts;
}
