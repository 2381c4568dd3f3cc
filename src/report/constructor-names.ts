import type { ConstructorNamer, ConstructorSite } from "../heap/index.js";
import { scriptPathOf } from "../sourcemaps/script-path.js";
import { SourceMaps } from "../sourcemaps/source-maps.js";
import { type SourceTreesInput, sourceTrees } from "../sourcemaps/source-trees.js";

/**
 * Names the heap's minified constructors as the service's source declares them, through the maps of their
 * scripts: from the build folder, else the crashed image where a script names a map, else an inline map
 * the script's source in the core carries. Nothing is read for a heap whose scripts name no map.
 * `architecture` is asked for only when the image is to be read.
 */
export function constructorNamer(
  input: SourceTreesInput,
  architecture: () => Promise<string | undefined>,
  /** What could not be read (an image out of reach, a malformed map): `heap` says it, `report` lists its own. */
  onNote?: (note: string) => void,
): ConstructorNamer {
  const wants = (file: string) => scriptPathOf(file) !== undefined;
  const name: ConstructorNamer["name"] = async (sites) => {
    // The scripts as the core holds them, each once: where no tree has one, its own text is read for its map.
    const sources = new Map(sites.flatMap((site) => scriptSource(site)));
    const namesMaps = [...sources.values()].some((source) => source.includes("sourceMappingURL="));
    const trees = sourceTrees(input, namesMaps ? await architecture() : undefined, namesMaps);
    if (sources.size === 0 || (trees.length === 0 && !namesMaps)) return sites.map(() => undefined);
    const maps = await SourceMaps.load([...sources.keys()], trees, [], sources);
    for (const note of maps.notes) onNote?.(note);
    return sites.map((site) => maps.constructorName(site));
  };
  return { wants, name };
}

function scriptSource(site: ConstructorSite): Array<[string, string]> {
  const script = scriptPathOf(site.file);
  return script ? [[script, site.source]] : [];
}
