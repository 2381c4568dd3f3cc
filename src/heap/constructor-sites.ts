import { ScriptLocations } from "../v8-stack/script-location.js";
import type { CoreMemory } from "./core-memory.js";
import type { HeapStrings } from "./heap-strings.js";
import type { MapTable } from "./map-table.js";
import type { ObjectNames } from "./object-names.js";
import type { V8Constants } from "./v8-constants.js";

/** Where a constructor is declared in its script: what a source map needs to name it as it was written. */
export interface ConstructorSite {
  /** V8's name for it (a bundler's `e`). */
  generated: string;
  /** Its script, as V8 names it (a path or a file URL). */
  file: string;
  /** The declared name's place (`s` of `var s=class{`), else the `class` keyword's; from 1. */
  line: number;
  column: number;
  /** The script's source as the core holds it: one string shared by the sites of a script. */
  source: string;
}

/** What names constructors as written: a source-map room's answer. */
export interface ConstructorNamer {
  /** Whether a script could have a map (a file, not Node's own `node:` scripts): others are not read. */
  wants(file: string): boolean;
  /** The original name of each site, where its script's source map gives one. */
  name(sites: readonly ConstructorSite[]): Promise<ReadonlyArray<string | undefined>>;
}

/** The constructors whose sites are looked for at most: a heap's application classes are far fewer. */
const MAX_CONSTRUCTORS = 20_000;
/** How far before a `class` keyword its binding's name is looked for (`var s=class`). */
const LOOK_BEHIND = 120;
/** How far before a `constructor(` its class's header is looked for, and at how many `class` words. */
const CLASS_REACH = 200_000;
const CLASS_TRIES = 50;

/**
 * The constructor of each JS object Map of the heap, where it is a class or function a script declares,
 * with its site: what a source map turns from `e` back into `Session`. Each site lists the Maps it names.
 *
 * Each is placed from its constructor's start position (ScriptLocations.startPosition): a class whose
 * constructor's bytecode V8 flushed gets no site.
 */
export function constructorSites(
  memory: CoreMemory,
  maps: MapTable,
  names: ObjectNames,
  strings: HeapStrings,
  v8: V8Constants,
  wants: (file: string) => boolean,
): Array<{ site: ConstructorSite; mapIndices: number[] }> {
  const locations = new ScriptLocations(memory, strings, v8);
  const byShared = new Map<number, { site: ConstructorSite; mapIndices: number[] } | null>();
  for (let mapIndex = 0; mapIndex < maps.maps.length; mapIndex++) {
    const map = maps.maps[mapIndex];
    if (!map || !names.isJSReceiver(map.instanceType)) continue;
    const maker = names.constructorFunction(map);
    const shared = maker === undefined ? undefined : names.sharedOf(maker);
    if (shared === undefined) continue;
    let entry = byShared.get(shared);
    if (entry === undefined) {
      if (byShared.size >= MAX_CONSTRUCTORS) continue;
      entry = siteOf(shared);
      byShared.set(shared, entry);
    }
    entry?.mapIndices.push(mapIndex);
  }
  return [...byShared.values()].filter((entry) => entry !== null);

  function siteOf(shared: number): { site: ConstructorSite; mapIndices: number[] } | null {
    const generated = names.sharedName(shared);
    const script = locations.scriptOf(shared);
    if (!generated || script === undefined) return null;
    const file = locations.fileOf(script);
    if (!file || !wants(file)) return null;
    const source = locations.sourceOf(script);
    const start = locations.startPosition(shared);
    if (source === undefined || start === undefined) return null;
    const { line, column } = locations.locate(shared, declaredNameAt(source, start));
    if (line === undefined || column === undefined) return null;
    return { site: { generated, file, line, column, source }, mapIndices: [] };
  }
}

/**
 * Where the name a declaration binds is: `class Session`, `var s=class`, `function e(`, `e(` of a method;
 * else the declaration's start.
 */
export function declaredNameAt(source: string, start: number): number {
  if (source.startsWith("class", start)) {
    const named = /^class\s+(?!extends\b)([\w$]+)/.exec(source.slice(start, start + 200));
    if (named?.[1]) return start + named[0].length - named[1].length;
  }
  const before = source.slice(Math.max(0, start - LOOK_BEHIND), start);
  const bound = source[start] === "(" ? /([\w$]+)\s*$/.exec(before) : /([\w$]+)\s*[=:]\s*$/.exec(before);
  if (bound?.[1] === "constructor") {
    // A class's own constructor starts at its parameters: the class it builds is named where it starts.
    const header = classHeaderBefore(source, start);
    return header === undefined ? start : declaredNameAt(source, header);
  }
  return bound?.[1] && bound[1] !== "function" ? start - before.length + (bound.index ?? 0) : start;
}

/** The start of the nearest `class … {` before `at`: the class whose `constructor(` is there. */
function classHeaderBefore(source: string, at: number): number | undefined {
  for (let tries = 0, from = at; tries < CLASS_TRIES && from > 0; tries++) {
    const found = source.lastIndexOf("class", from - 1);
    if (found < 0 || at - found > CLASS_REACH) return undefined;
    const header = /^class(?:\s+(?!extends\b)[\w$]+)?(?:\s+extends\s+[^{]+?)?\s*\{/;
    if (!/[\w$]/.test(source[found - 1] ?? "") && header.test(source.slice(found, found + 300))) return found;
    from = found;
  }
  return undefined;
}
