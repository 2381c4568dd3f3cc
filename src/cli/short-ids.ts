const SHORTEST = 8;

/** The shortest prefixes, eight characters at least, that tell each id from the others shown. */
export function shortIds(ids: readonly string[]): string[] {
  const sorted = [...new Set(ids)].sort();
  const lengths = new Map<string, number>();
  sorted.forEach((id, index) => {
    const shared = Math.max(commonLength(id, sorted[index - 1]), commonLength(id, sorted[index + 1]));
    lengths.set(id, Math.min(id.length, Math.max(SHORTEST, shared + 1)));
  });
  return ids.map((id) => id.slice(0, lengths.get(id)));
}

function commonLength(a: string, b: string | undefined): number {
  if (b === undefined) return 0;
  let length = 0;
  while (length < a.length && a[length] === b[length]) length++;
  return length;
}
