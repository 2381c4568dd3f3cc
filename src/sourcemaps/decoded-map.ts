import {
  AnyMap,
  GREATEST_LOWER_BOUND,
  isIgnored,
  originalPositionFor,
  sourceContentFor,
  type TraceMap,
  traceSegment,
} from "@jridgewell/trace-mapping";

/** A position in an original source: line from 1, column from 1 (as stacks print them). */
export interface OriginalPoint {
  /** The resolved source (`/app/src/users.ts`, `file:///app/src/users.ts`, `webpack://app/x.ts`). */
  source: string;
  line: number;
  column: number;
  /** The map's `names` entry at that segment, if it has one. */
  name?: string;
}

/**
 * One source map, decoded by @jridgewell/trace-mapping (the decoder Babel, Vite and Jest use; index maps
 * with `sections` included), its `sources` resolved against the map's own path, as Node resolves them.
 */
export class DecodedMap {
  private constructor(private readonly map: TraceMap) {}

  /**
   * The map in `json`, found at `mapPath` (a path of the container's tree: `sources` resolve against it),
   * or why it cannot be used: a malformed map is a note, never a failure.
   */
  static decode(json: string, mapPath: string): DecodedMap | { problem: string } {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (error) {
      return { problem: `not JSON (${(error as SyntaxError).message})` };
    }
    const shape = shapeProblem(parsed);
    if (shape) return { problem: shape };
    try {
      return new DecodedMap(new AnyMap(parsed as ConstructorParameters<typeof AnyMap>[0], mapPath));
    } catch (error) {
      // The decoder's own complaint about a map that has the right shape but wrong contents (a section's
      // `url`, a section out of order): the map is unusable, the report goes on without it.
      if (error instanceof Error) return { problem: `unreadable (${error.message.slice(0, 200)})` };
      throw error;
    }
  }

  /** The generated file the map says it is for (`server.mjs`), if it says. */
  get file(): string | undefined {
    return typeof this.map.file === "string" ? this.map.file : undefined;
  }

  /** The original position of a generated one (line and column from 1), or undefined where it maps to none. */
  originalAt(line: number, column: number): OriginalPoint | undefined {
    if (!(Number.isInteger(line) && line >= 1 && Number.isInteger(column) && column >= 1)) return undefined;
    const found = originalPositionFor(this.map, { line, column: column - 1, bias: GREATEST_LOWER_BOUND });
    if (found.source === null || found.line === null || found.column === null) return undefined;
    return {
      source: found.source,
      line: found.line,
      column: found.column + 1,
      ...(found.name !== null ? { name: found.name } : {}),
    };
  }

  /**
   * The map's `names` entry for the token that starts exactly at a generated position (line and column
   * from 1): a bundler names there what it renamed (`s` of `var s=class` is `UserController`).
   */
  nameAt(line: number, column: number): string | undefined {
    if (!(Number.isInteger(line) && line >= 1 && Number.isInteger(column) && column >= 1)) return undefined;
    const segment = traceSegment(this.map, line - 1, column - 1);
    if (!segment || segment[0] !== column - 1 || segment.length !== 5) return undefined;
    return this.map.names[segment[4]] ?? undefined;
  }

  /** The source's text as the map carries it (`sourcesContent`), if it does. */
  contentOf(source: string): string | undefined {
    return sourceContentFor(this.map, source) ?? undefined;
  }

  /** Whether the map lists the source as not the team's code (`ignoreList`, `x_google_ignoreList`). */
  ignores(source: string): boolean {
    return isIgnored(this.map, source);
  }
}

/** What makes `value` no source map of version 3 at all, before the decoder sees it. */
function shapeProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return "not a JSON object";
  const map = value as Record<string, unknown>;
  if (map.version !== 3) return `version ${JSON.stringify(map.version)?.slice(0, 20)}, not 3`;
  if (Array.isArray(map.sections)) {
    for (const section of map.sections) {
      const inner = (section as { map?: unknown } | null)?.map;
      if (inner === undefined) return "a section without an inline map (a section's url is not read)";
      const problem = shapeProblem(inner);
      if (problem) return `a section's map: ${problem}`;
    }
    return undefined;
  }
  if (typeof map.mappings !== "string") return "no mappings string";
  if (!Array.isArray(map.sources)) return "no sources list";
  if (map.names !== undefined && !Array.isArray(map.names)) return "names is not a list";
  return undefined;
}
