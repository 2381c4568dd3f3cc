import { type CodeExcerpt, codeExcerpt } from "./code-excerpt.js";
import { DecodedMap } from "./decoded-map.js";
import { isInApp } from "./in-app.js";
import { SOURCE_MAP_LIMITS } from "./limits.js";
import { classifyMapUrl, findMapReference, type MapReference } from "./map-reference.js";
import { declaredClassName, type NamedSite, originalName } from "./original-name.js";
import { displayedSource, scriptPathOf } from "./script-path.js";
import type { SourceTree, TreeFile, TreeRequest } from "./source-tree.js";

/** Where a frame is in the code as written: `original` in `report --json`. */
export interface OriginalFrame {
  file: string;
  line: number;
  column: number;
  function: string;
}

/** What the maps say of one generated frame. */
export interface FrameMapping {
  original?: OriginalFrame;
  /** The team's own code: not Node's, not node_modules, not a source the map ignores. */
  inApp: boolean;
}

/** One map in use: the script it maps, and where it was read (`inline in …`, a file in the image or folder). */
export interface SourceMapUse {
  script: string;
  map: string;
}

interface LoadedScript {
  text?: string;
  where?: string;
  map?: DecodedMap;
}

/**
 * The source maps of the scripts a stack names, found and decoded once: for each script, its inline map,
 * else the map file its `sourceMappingURL` names (relative to the script), else `<script>.map`, read from
 * the trees in order (a build folder, then the crashed image); else an inline map the core holds whose
 * `file` is the script's. Never the network; never a file outside a tree. Whatever goes wrong with one
 * map is a note and leaves its frames unmapped.
 */
export class SourceMaps {
  readonly notes: string[] = [];
  readonly used: SourceMapUse[] = [];
  private readonly scripts = new Map<string, LoadedScript>();

  private constructor(private readonly trees: readonly SourceTree[]) {}

  /** `scripts`: the paths the frames name (scriptPathOf); `coreUrls`: the `sourceMappingURL`s in the core. */
  static async load(
    scripts: readonly string[],
    trees: readonly SourceTree[],
    coreUrls: readonly string[] = [],
    coreSources: ReadonlyMap<string, string> = new Map(),
  ): Promise<SourceMaps> {
    const maps = new SourceMaps(trees);
    await maps.loadAll([...new Set(scripts)].slice(0, SOURCE_MAP_LIMITS.scripts), coreUrls, coreSources);
    return maps;
  }

  /** Each frame of a stack (innermost first: each frame's caller is the next one), mapped where a map has it. */
  mapStack(frames: readonly NamedSite[]): FrameMapping[] {
    return frames.map((frame, index) => this.mapFrame(frame, frames[index + 1]));
  }

  /**
   * The lines of code at a frame: its original source (the map's `sourcesContent`, else the file in a tree),
   * else, unmapped, the script's own text.
   */
  async excerpt(frame: NamedSite, mapping: FrameMapping): Promise<CodeExcerpt | undefined> {
    const script = scriptPathOf(frame.file);
    const loaded = script ? this.scripts.get(script) : undefined;
    if (mapping.original && loaded?.map) {
      const { file, line, column } = mapping.original;
      const point = frame.line && frame.column ? loaded.map.originalAt(frame.line, frame.column) : undefined;
      const inMap = point ? loaded.map.contentOf(point.source) : undefined;
      if (inMap !== undefined)
        return codeExcerpt(inMap, { file, line, column, from: "the map's sourcesContent" });
      const sourcePath = point ? scriptPathOf(point.source) : undefined;
      if (!sourcePath) return undefined;
      const found = await this.readFromTrees([{ path: sourcePath, limit: SOURCE_MAP_LIMITS.sourceBytes }]);
      const source = found.get(sourcePath);
      if (source?.state !== "file") return undefined;
      return codeExcerpt(source.text, { file, line, column, from: source.where });
    }
    if (loaded?.text === undefined || !frame.line || !frame.column || !frame.file) return undefined;
    return codeExcerpt(loaded.text, {
      file: frame.file,
      line: frame.line,
      column: frame.column,
      from: loaded.where ?? "the image",
    });
  }

  /**
   * The name a constructor was declared with, from its declaration's place in the generated script: the
   * map's name for its binding, else the class its original source declares there.
   */
  constructorName(site: { file: string; line: number; column: number }): string | undefined {
    const script = scriptPathOf(site.file);
    const map = script ? this.scripts.get(script)?.map : undefined;
    if (!map) return undefined;
    const named = map.nameAt(site.line, site.column);
    if (named) return named;
    const point = map.originalAt(site.line, site.column);
    const content = point ? map.contentOf(point.source) : undefined;
    return point && content ? declaredClassName(content, point.line, point.column) : undefined;
  }

  private mapFrame(frame: NamedSite, caller: NamedSite | undefined): FrameMapping {
    const script = scriptPathOf(frame.file);
    const map = script ? this.scripts.get(script)?.map : undefined;
    const point = map && frame.line && frame.column ? map.originalAt(frame.line, frame.column) : undefined;
    if (!map || !point) return { inApp: isInApp(frame.file, false) };
    const original: OriginalFrame = {
      file: displayedSource(point.source),
      line: point.line,
      column: point.column,
      function: originalName(map, frame, caller),
    };
    return { original, inApp: isInApp(original.file, map.ignores(point.source)) };
  }

  private async loadAll(
    scripts: readonly string[],
    coreUrls: readonly string[],
    coreSources: ReadonlyMap<string, string>,
  ): Promise<void> {
    if (scripts.length === 0) return;
    const first = await this.readFromTrees(
      scripts.flatMap((script) => [
        { path: script, limit: SOURCE_MAP_LIMITS.scriptBytes },
        { path: `${script}.map`, limit: SOURCE_MAP_LIMITS.mapBytes },
      ]),
    );
    const references = new Map<string, MapReference | undefined>();
    for (const script of scripts) {
      const file = first.get(script);
      const loaded: LoadedScript = {};
      this.scripts.set(script, loaded);
      if (file?.state === "too-large") this.note(`${script}: ${tooLarge(file, "script")}`);
      // A script no tree holds, as the core holds it (V8 keeps each script's source).
      const inCore = file === undefined ? coreSources.get(script) : undefined;
      const text = file?.state === "file" ? file.text : inCore;
      if (text === undefined || text.length > SOURCE_MAP_LIMITS.scriptBytes) continue;
      loaded.text = text;
      loaded.where = file?.state === "file" ? file.where : "the script's source in the core";
      references.set(script, findMapReference(text, script));
    }
    // Map files named by a sourceMappingURL other than `<script>.map`: one more read for all of them.
    const named = [...references.values()].flatMap((reference) =>
      reference?.kind === "file" && !first.has(reference.path)
        ? [{ path: reference.path, limit: SOURCE_MAP_LIMITS.mapBytes }]
        : [],
    );
    const second = named.length > 0 ? await this.readFromTrees(named) : new Map<string, TreeFile>();
    for (const script of scripts) {
      const reference = references.get(script);
      const loaded = this.scripts.get(script) ?? {};
      if (reference?.kind === "inline") {
        this.use(loaded, script, reference.json, script, `inline in ${loaded.where ?? script}`);
      } else if (reference?.kind === "network") {
        this.note(
          `${script} names its source map at ${reference.url}: not fetched (coredump never reads maps over the network)`,
        );
      } else if (reference?.kind === "other") {
        this.note(`${script} names its source map at ${reference.url}, which coredump cannot read`);
      } else if (reference?.kind === "file") {
        const file = first.get(reference.path) ?? second.get(reference.path);
        if (file?.state === "file") this.use(loaded, script, file.text, reference.path, file.where);
        else if (file?.state === "too-large") this.note(`${script}: ${tooLarge(file, "source map")}`);
        else
          this.note(`${script} names its source map ${reference.path}, which ${this.labels()} do not hold`);
      } else {
        const file = first.get(`${script}.map`);
        if (file?.state === "file") this.use(loaded, script, file.text, `${script}.map`, file.where);
        else if (file?.state === "too-large") this.note(`${script}: ${tooLarge(file, "source map")}`);
        else if (loaded.text === undefined) this.fromCore(loaded, script, coreUrls);
      }
    }
    if (this.used.length === 0 && this.notes.length === 0)
      this.note(
        `no source map of the stack's scripts in ${this.labels()}${coreUrls.length > 0 ? ", though the core's scripts name maps" : ""}`,
      );
  }

  /**
   * A script no tree holds: an inline map the core holds (V8 keeps every script's source) that says it is
   * for this script's file. Only a map that names the file is taken: any other would map by guesswork.
   */
  private fromCore(loaded: LoadedScript, script: string, coreUrls: readonly string[]): void {
    const name = script.slice(script.lastIndexOf("/") + 1);
    for (const url of coreUrls) {
      const reference = classifyMapUrl(url, script);
      if (reference.kind !== "inline") continue;
      const decoded = DecodedMap.decode(reference.json, script);
      if (decoded instanceof DecodedMap && decoded.file?.split("/").pop() === name) {
        loaded.map = decoded;
        this.used.push({ script, map: "inline, from the script's source in the core" });
        return;
      }
    }
  }

  private use(loaded: LoadedScript, script: string, json: string, mapPath: string, where: string): void {
    if (json.length > SOURCE_MAP_LIMITS.mapBytes) {
      this.note(
        `${script}: its inline source map skipped: ${megabytes(json.length)}, over the ${megabytes(SOURCE_MAP_LIMITS.mapBytes)} limit`,
      );
      return;
    }
    const decoded = DecodedMap.decode(json, mapPath);
    if (decoded instanceof DecodedMap) {
      loaded.map = decoded;
      this.used.push({ script, map: where });
    } else
      this.note(
        `${script}: its source map ${where} is malformed (${decoded.problem}); its frames stay unmapped`,
      );
  }

  /** Reads from each tree in turn what the trees before it did not hold. */
  private async readFromTrees(requests: readonly TreeRequest[]): Promise<Map<string, TreeFile>> {
    const found = new Map<string, TreeFile>();
    let pending = [...requests];
    for (const tree of this.trees) {
      if (pending.length === 0) break;
      for (const [wanted, file] of await tree.read(pending)) {
        if (file.state === "unreadable") this.note(`source maps: ${file.why}`);
        else if (file.state !== "missing") found.set(wanted, file);
      }
      pending = pending.filter((request) => !found.has(request.path));
    }
    return found;
  }

  private labels(): string {
    return this.trees.map((tree) => tree.label).join(" and ") || "no image or folder";
  }

  private note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }
}

function tooLarge(file: Extract<TreeFile, { state: "too-large" }>, what: string): string {
  const limit = what === "script" ? SOURCE_MAP_LIMITS.scriptBytes : SOURCE_MAP_LIMITS.mapBytes;
  return `the ${what} ${file.where} skipped: ${megabytes(file.bytes)}, over the ${megabytes(limit)} limit`;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
