/**
 * The text as a string of its own. In V8 a part of a longer text (a slice, a match) is a view that keeps
 * the whole text alive: each key a listing kept held its page of 300 KB, 30 MB at 100,000 dumps.
 */
export function ownCopy(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}
