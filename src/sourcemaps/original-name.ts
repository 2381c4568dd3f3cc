import type { DecodedMap } from "./decoded-map.js";

/** A generated frame as the stack names it: V8's function name and its call site (lines, columns from 1). */
export interface NamedSite {
  function: string;
  file?: string | undefined;
  line?: number | undefined;
  column?: number | undefined;
  /** Where its function starts in the generated script, where the reader of the stack knows it. */
  functionStart?: { line: number; column: number } | undefined;
}

/**
 * The frame's function name as `node --enable-source-maps` prints it (lib/internal/source_map/
 * prepare_stack_trace.js): the map's `names` entry at the function's start; else, when the caller (the
 * next frame out) is in the same script, the name at the caller's call site; a name found replaces V8's
 * whole name (`t` becomes `displayName`), none keeps it (`s.show` stays: the receiver's class is V8's).
 * `async ` and `new ` stay in front; V8's ` [as alias]` goes, as Node drops it. Pure.
 */
export function originalName(map: DecodedMap, frame: NamedSite, caller: NamedSite | undefined): string {
  const { prefix, name } = splitName(frame.function);
  const found = enclosingName(map, frame) ?? callerName(map, frame, caller);
  return `${prefix}${found && found !== name ? found : name}`;
}

function enclosingName(map: DecodedMap, frame: NamedSite): string | undefined {
  const start = frame.functionStart;
  return start ? map.originalAt(start.line, start.column)?.name : undefined;
}

function callerName(map: DecodedMap, frame: NamedSite, caller: NamedSite | undefined): string | undefined {
  if (!caller || caller.file !== frame.file || caller.line === undefined || caller.column === undefined)
    return undefined;
  return map.originalAt(caller.line, caller.column)?.name;
}

function splitName(printed: string): { prefix: string; name: string } {
  const match = /^((?:async |new )?)(.*?)(?: \[as [^\]]+\])?$/.exec(printed);
  return { prefix: match?.[1] ?? "", name: match?.[2] ?? printed };
}

/**
 * The class a source declares at a position (line and column from 1): `Session` of `export class
 * Session`, where a map gives the declaration's place but no name for it. Pure.
 */
export function declaredClassName(source: string, line: number, column: number): string | undefined {
  let at = 0;
  for (let current = 1; current < line; current++) {
    const end = source.indexOf("\n", at);
    if (end < 0) return undefined;
    at = end + 1;
  }
  const text = source.slice(at + column - 1, at + column - 1 + 300);
  return /^(?:export\s+)?(?:default\s+)?(?:abstract\s+)?class\s+(?!extends\b|implements\b)([\w$]+)/.exec(
    text,
  )?.[1];
}
