/**
 * The file a JS frame names, as a path in the crashed container's tree: `/app/dist/server.js` as is,
 * `file:///app/bundle/server.mjs` as `/app/bundle/server.mjs`; undefined for Node's own scripts (`node:…`),
 * evaluated code (`[eval]`, `<anonymous>`) and other URLs. Pure.
 */
export function scriptPathOf(file: string | undefined): string | undefined {
  if (file === undefined || file === "") return undefined;
  if (file.startsWith("/")) return file;
  if (!/^file:\/\//i.test(file)) return undefined;
  try {
    const url = new URL(file);
    return url.hostname === "" ? decodeURIComponent(url.pathname) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A resolved `sources` entry as Node prints it: a `file:` URL as its path, anything else as it is
 * (`webpack://app/src/x.ts`).
 */
export function displayedSource(source: string): string {
  return scriptPathOf(source) ?? source;
}
