import type { ConstructorNamer, ConstructorSite } from "../heap/index.js";
import { findMapUrls } from "../sourcemaps/map-reference.js";
import { scriptPathOf } from "../sourcemaps/script-path.js";
import { SourceMaps } from "../sourcemaps/source-maps.js";
import { type OriginalPositionsInput, sourceTreesFor } from "./original-positions.js";

/**
 * Names the heap's minified constructors as the service's source declares them, through the maps of their
 * scripts: from the build folder, else the crashed image where a script names a map, else an inline map
 * the script's source in the core carries. Nothing is read for a heap whose scripts name no map.
 */
export function constructorNamer(
  input: Omit<OriginalPositionsInput, "coreUrls">,
  architecture: string | undefined,
): ConstructorNamer {
  const wants = (file: string) => scriptPathOf(file) !== undefined;
  const name: ConstructorNamer["name"] = async (sites) => {
    const scripts = [...new Set(sites.flatMap((site) => scriptPathOf(site.file) ?? []))];
    const urls = mapUrlsOf(sites);
    const trees = sourceTreesFor(input, architecture, urls.length > 0);
    if (scripts.length === 0 || (trees.length === 0 && urls.length === 0)) return sites.map(() => undefined);
    const sources = new Map(sites.flatMap((site) => scriptSource(site)));
    const maps = await SourceMaps.load(scripts, trees, [], sources);
    return sites.map((site) => maps.constructorName(site));
  };
  return { wants, name };
}

function scriptSource(site: ConstructorSite): Array<[string, string]> {
  const script = scriptPathOf(site.file);
  return script ? [[script, site.source]] : [];
}

/** The `sourceMappingURL`s that end the sources of the sites' scripts (each source looked at once). */
function mapUrlsOf(sites: readonly ConstructorSite[]): string[] {
  const urls = new Set<string>();
  const seen = new Set<string>();
  for (const { source, file } of sites) {
    if (seen.has(file) || scriptPathOf(file) === undefined) continue;
    seen.add(file);
    const comment = source.lastIndexOf("sourceMappingURL=");
    if (comment >= 0) for (const url of findMapUrls(source.slice(Math.max(0, comment - 4)))) urls.add(url);
  }
  return [...urls];
}
