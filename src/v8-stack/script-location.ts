import type { CoreMemory } from "../heap/core-memory.js";
import type { HeapStrings } from "../heap/heap-strings.js";
import { smiValue } from "../heap/object-size.js";
import type { V8Constants } from "../heap/v8-constants.js";

/** A script's longest source read to place a position in it (a bundle of several megabytes is common). */
const MAX_SOURCE_CHARS = 64 * 1024 * 1024;
/** Line ends read at most from a script's table of them. */
const MAX_LINE_ENDS = 16 * 1024 * 1024;
/** ScopeInfo slots looked through for a function's position pair, past its context locals' names and infos. */
const POSITION_SLOTS = 12;
/** SharedFunctionInfo's raw_function_token_offset where the token is too far from the start to store. */
const TOKEN_OUT_OF_RANGE = 0xffff;

export interface ScriptLocation {
  file?: string;
  /** 1-based, as V8 prints them. */
  line?: number;
  column?: number;
}

/**
 * Turns a (SharedFunctionInfo, script offset) into a file, line and column, as V8 does: through the
 * script's table of line ends where V8 computed it, else by counting the line breaks of its source. What a
 * script is, is remembered: a stack often has many frames in one script.
 */
export class ScriptLocations {
  private readonly scriptAt: number;
  private readonly nameAt: number;
  private readonly sourceAt: number;
  private readonly lineEndsAt: number;
  private readonly scriptType: number;
  private readonly scopeInfoAt: number;
  private readonly scopeInfoType: number;
  private readonly localsAt: number;
  private readonly tokenOffsetAt: number;
  private readonly lineEnds = new Map<number, number[] | undefined>();
  private readonly sources = new Map<number, string | undefined>();

  constructor(
    private readonly memory: CoreMemory,
    private readonly strings: HeapStrings,
    v8: V8Constants,
  ) {
    this.scriptAt = firstField(v8, "SharedFunctionInfo", ["script", "raw_script", "script_or_debug_info"]);
    this.nameAt = v8.field("Script", "name");
    this.sourceAt = v8.field("Script", "source");
    this.lineEndsAt = v8.field("Script", "line_ends");
    this.scriptType = v8.type("Script");
    this.scopeInfoAt = v8.field("SharedFunctionInfo", "name_or_scope_info");
    this.scopeInfoType = v8.type("ScopeInfo");
    this.localsAt = 8 + v8.get("scopeinfo_idx_ncontextlocals") * 8;
    this.tokenOffsetAt = v8.field("SharedFunctionInfo", "raw_function_token_offset", -1);
  }

  /**
   * SharedFunctionInfo::StartPosition of a compiled function: its parameters' `(`, or a class's `class`.
   * V8 exports no offset for it in the function's ScopeInfo (a variable layout): the (start, end) pair is
   * looked for past the context locals, and taken only where the script's source has one of those there.
   * A function whose bytecode V8 flushed keeps no ScopeInfo, and an arrow function with a bare parameter
   * starts at no `(`: neither has one.
   */
  startPosition(shared: number): number | undefined {
    const script = this.scriptOf(shared);
    const source = script === undefined ? undefined : this.sourceOf(script);
    const scopeInfo = this.memory.word(shared - 1 + this.scopeInfoAt);
    if (source === undefined || this.strings.typeOfTagged(scopeInfo) !== this.scopeInfoType) return undefined;
    const base = (scopeInfo as number) - 1 + this.localsAt;
    const locals = smiValue(this.memory.word(base));
    if (locals === undefined || locals < 0 || locals > 1 << 16) return undefined;
    for (let slot = 1; slot <= 2 * locals + POSITION_SLOTS; slot++) {
      const start = smiValue(this.memory.word(base + slot * 8));
      const end = smiValue(this.memory.word(base + (slot + 1) * 8));
      if (start === undefined || end === undefined || start < 0 || end < start || end > source.length)
        continue;
      if (source[start] === "(" || /^class\b/.test(source.slice(start, start + 6))) return start;
    }
    return undefined;
  }

  /**
   * SharedFunctionInfo::function_token_position (its `function` or `async` keyword): what V8 gives a stack
   * trace's CallSite as the enclosing position, where Node's --enable-source-maps looks up a frame's name.
   */
  tokenPosition(shared: number): number | undefined {
    const start = this.startPosition(shared);
    if (start === undefined || this.tokenOffsetAt < 0) return undefined;
    const offset = this.memory.bytes(shared - 1 + this.tokenOffsetAt, 2)?.readUInt16LE(0);
    if (offset === undefined || offset === TOKEN_OUT_OF_RANGE || offset > start) return undefined;
    return start - offset;
  }

  /** The tagged Script of a SharedFunctionInfo, where it has one (a builtin's slot holds `undefined`). */
  scriptOf(shared: number): number | undefined {
    const script = this.memory.word(shared - 1 + this.scriptAt);
    if (script === undefined || script % 2 !== 1) return undefined;
    return this.scriptType < 0 || this.strings.typeOfTagged(script) === this.scriptType ? script : undefined;
  }

  /** A Script's name: the file or URL it was loaded from, as V8 prints it. */
  fileOf(script: number): string | undefined {
    return this.strings.read(this.memory.word(script - 1 + this.nameAt));
  }

  /** A Script's source, as the core holds it (read once per script). */
  sourceOf(script: number): string | undefined {
    if (!this.sources.has(script))
      this.sources.set(
        script,
        this.strings.read(this.memory.word(script - 1 + this.sourceAt), 0, MAX_SOURCE_CHARS),
      );
    return this.sources.get(script);
  }

  locate(shared: number, scriptOffset: number | undefined): ScriptLocation {
    const script = this.scriptOf(shared);
    if (script === undefined) return {};
    const file = this.fileOf(script);
    const location: ScriptLocation = file ? { file } : {};
    if (scriptOffset === undefined || scriptOffset < 0) return location;
    const ends = this.lineEndsOf(script);
    if (!ends) return location;
    let low = 0;
    let high = ends.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((ends[middle] as number) < scriptOffset) low = middle + 1;
      else high = middle;
    }
    const lineStart = low === 0 ? 0 : (ends[low - 1] as number) + 1;
    return { ...location, line: low + 1, column: scriptOffset - lineStart + 1 };
  }

  private lineEndsOf(script: number): number[] | undefined {
    if (this.lineEnds.has(script)) return this.lineEnds.get(script);
    const ends = this.computedLineEnds(script) ?? this.sourceLineEnds(script);
    this.lineEnds.set(script, ends);
    return ends;
  }

  /** The FixedArray of Smis V8 fills when it first needs a line number (an error's stack, say). */
  private computedLineEnds(script: number): number[] | undefined {
    const array = this.memory.word(script - 1 + this.lineEndsAt);
    if (array === undefined || array % 2 !== 1) return undefined;
    const length = smiValue(this.memory.word(array - 1 + 8));
    if (length === undefined || length <= 0 || length > MAX_LINE_ENDS) return undefined;
    const ends: number[] = [];
    for (let index = 0; index < length; index++) {
      const end = smiValue(this.memory.word(array - 1 + 16 + index * 8));
      if (end === undefined || (ends.length > 0 && end < (ends.at(-1) as number))) return undefined;
      ends.push(end);
    }
    return ends;
  }

  private sourceLineEnds(script: number): number[] | undefined {
    const source = this.sourceOf(script);
    if (source === undefined) return undefined;
    const ends: number[] = [];
    for (let at = source.indexOf("\n"); at >= 0; at = source.indexOf("\n", at + 1)) ends.push(at);
    ends.push(source.length);
    return ends;
  }
}

/** The offset of the first of `names` this V8 exports for `cls` (V8 renames fields between versions). */
export function firstField(v8: V8Constants, cls: string, names: readonly string[]): number {
  for (const name of names) {
    const offset = v8.field(cls, name, -1);
    if (offset >= 0) return offset;
  }
  return v8.field(cls, names[0] as string);
}
