/**
 * Where a script says its source map is: the last `//# sourceMappingURL=…` comment of its source (also the
 * older `//@` form and `/*# … *\/`), as V8 and Node read it. Pure.
 */
export type MapReference =
  /** The map itself, in a `data:application/json` URL (esbuild's `--sourcemap=inline`). */
  | { kind: "inline"; json: string }
  /** A map on the network: never fetched. */
  | { kind: "network"; url: string }
  /** A map file, by its path in the script's tree: relative ones resolved against the script's folder. */
  | { kind: "file"; path: string }
  /** A URL of a scheme coredump does not read (`webpack:`, a malformed data URL). */
  | { kind: "other"; url: string };

// biome-ignore lint/suspicious/noControlCharactersInRegex: a URL ends at the first control byte.
const COMMENT = /(?:\/\/|\/\*)[#@][ \t]+sourceMappingURL=([^\s'"*\x00-\x1f]+)[ \t]*(?:\*\/)?[ \t]*$/gm;
const DATA_URL = /^data:application\/json(?:;charset=[\w-]+)?(;base64)?,(.*)$/is;

/** The reference in `source`, or undefined where it names none; `scriptPath` is its absolute path. */
export function findMapReference(source: string, scriptPath: string): MapReference | undefined {
  let url: string | undefined;
  for (const match of source.matchAll(COMMENT)) url = match[1];
  if (url === undefined) return undefined;
  return classifyMapUrl(url, scriptPath);
}

/**
 * The `sourceMappingURL` comments in any text, such as a window of a core's bytes (V8 keeps each script's
 * source on its heap), as their URLs: Node's own template of an inline URL (with nothing after the comma)
 * is not one.
 */
export function findMapUrls(text: string): string[] {
  const urls: string[] = [];
  for (const match of text.matchAll(IN_TEXT)) {
    const url = match[1] ?? "";
    if (!url.endsWith(",")) urls.push(url);
  }
  return urls;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: a URL ends at the first control byte.
const IN_TEXT = /(?:\/\/|\/\*)[#@][ \t]+sourceMappingURL=([^\s'"*\x00-\x1f]+)/g;

/** What a `sourceMappingURL` of the script at `scriptPath` names. */
export function classifyMapUrl(url: string, scriptPath: string): MapReference {
  const data = DATA_URL.exec(url);
  if (data) {
    const body = data[2] ?? "";
    try {
      return {
        kind: "inline",
        json: data[1] ? Buffer.from(body, "base64").toString("utf8") : decodeURIComponent(body),
      };
    } catch {
      return { kind: "other", url: shortened(url) };
    }
  }
  if (/^https?:/i.test(url)) return { kind: "network", url: shortened(url) };
  if (/^file:\/\//i.test(url)) return { kind: "file", path: decodedPath(new URL(url).pathname) };
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return { kind: "other", url: shortened(url) };
  const folder = scriptPath.slice(0, scriptPath.lastIndexOf("/") + 1) || "/";
  return { kind: "file", path: joinInside(folder, decodedPath(url.replace(/[?#].*$/, ""))) };
}

/**
 * `relative` against the folder `base` (both posix), `..` never climbing above `/`: a path in the script's
 * own tree (the image's, or the build folder's), whatever the reference says.
 */
export function joinInside(base: string, relative: string): string {
  const parts: string[] = [];
  const all = relative.startsWith("/") ? relative : `${base}/${relative}`;
  for (const part of all.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}

function decodedPath(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A URL as a note shows it: a data URL or a very long one cut. */
function shortened(url: string): string {
  return url.length > 200 ? `${url.slice(0, 200)}…` : url;
}
