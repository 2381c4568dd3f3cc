/**
 * Whether a frame is the team's own code: not Node's (`node:…`), not a dependency's (`node_modules`), and
 * not a source its map lists in `ignoreList` / `x_google_ignoreList`. `file` is the original source where
 * the frame is mapped, else the script. Pure.
 */
export function isInApp(file: string | undefined, ignoredByMap: boolean): boolean {
  if (file === undefined || file === "" || ignoredByMap) return false;
  if (/^node:/.test(file)) return false;
  return !/(?:^|[/\\])node_modules[/\\]/.test(file);
}
