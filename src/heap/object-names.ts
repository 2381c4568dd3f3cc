import type { CoreMemory } from "./core-memory.js";
import type { HeapStrings } from "./heap-strings.js";
import type { MapInfo, MapTable } from "./map-table.js";
import { smiValue } from "./object-size.js";
import type { V8Constants } from "./v8-constants.js";

const FIRST_JS_RECEIVER_GUESS = 1024;
/** V8 9 to 11 give constructors function subtypes right after JS_FUNCTION_TYPE but do not export the range. */
const FUNCTION_SUBTYPES_BEFORE_V8_12 = 15;

/**
 * Names objects as DevTools' summary groups them: JS objects by their constructor, functions as
 * `(closure)`, strings by representation, numbers, symbols; V8's own objects as `(system) <class>`
 * (the class in V8's postmortem type names, `(system) type N` for a type V8 does not name).
 */
export class ObjectNames {
  private readonly constructorAt: number;
  private readonly sharedAt: number;
  private readonly nameOrScopeInfoAt: number;
  private readonly firstFunction: number;
  private readonly lastFunction: number;
  private readonly firstNonString: number;
  private readonly scopeInfoType: number;
  private readonly firstVars: number;
  private readonly contextLocalsAt: number;
  private readonly firstContext: number;
  private readonly lastContext: number;
  private readonly byMap = new Map<number, string>();
  /** Names of types V8 does not export, learnt from the objects that hold them (see nameTypesByRole). */
  readonly inferredTypeNames = new Map<number, string>();
  /** Map::Bits3's IsPrototypeMapBit sits right below IsDictionaryMapBit in V8 10 to 13. */
  private readonly prototypeMapBit: number;

  constructor(
    private readonly memory: CoreMemory,
    private readonly maps: MapTable,
    private readonly strings: HeapStrings,
    private readonly v8: V8Constants,
  ) {
    this.constructorAt = v8.field("Map", "constructor_or_back_pointer");
    this.sharedAt = v8.field("JSFunction", "shared");
    this.nameOrScopeInfoAt = v8.field("SharedFunctionInfo", "name_or_scope_info");
    const jsFunction = v8.type("JSFunction");
    this.firstFunction = v8.get("FirstJSFunctionType", jsFunction);
    this.lastFunction = v8.has("LastJSFunctionType")
      ? v8.get("LastJSFunctionType")
      : jsFunction + FUNCTION_SUBTYPES_BEFORE_V8_12;
    this.firstNonString = v8.get("FirstNonstringType");
    this.scopeInfoType = v8.type("ScopeInfo");
    this.firstVars = v8.get("scopeinfo_idx_first_vars");
    this.contextLocalsAt = 8 + v8.get("scopeinfo_idx_ncontextlocals") * 8;
    this.firstContext = v8.get("FirstContextType");
    this.lastContext = v8.get("LastContextType");
    this.prototypeMapBit = v8.get("bit_field3_is_dictionary_map_shift") - 1;
  }

  isFunction(type: number): boolean {
    return type >= this.firstFunction && type <= this.lastFunction;
  }

  isString(type: number): boolean {
    return type < this.firstNonString;
  }

  isContext(type: number): boolean {
    return type >= this.firstContext && type <= this.lastContext;
  }

  isJSReceiver(type: number): boolean {
    return this.v8.typeNames.get(type)?.startsWith("JS") === true || type >= FIRST_JS_RECEIVER_GUESS;
  }

  /** Per Map index, 1 where its objects are in the group `name`: a test per object without a name's lookup. */
  mapsInGroup(name: string): Uint8Array {
    const flags = new Uint8Array(this.maps.maps.length);
    for (let mapIndex = 0; mapIndex < flags.length; mapIndex++)
      flags[mapIndex] = this.maps.maps[mapIndex] && this.groupOf(mapIndex) === name ? 1 : 0;
    return flags;
  }

  /** The summary group of the objects of a Map, computed once per Map. */
  groupOf(mapIndex: number): string {
    const known = this.byMap.get(mapIndex);
    if (known !== undefined) return known;
    const map = this.maps.maps[mapIndex] as MapInfo;
    const name = this.computeGroup(map);
    this.byMap.set(mapIndex, name);
    return name;
  }

  private computeGroup(map: MapInfo): string {
    const type = map.instanceType;
    if (this.isString(type)) {
      const representation = this.strings.representation(type);
      return representation === "seq" ? "(string)" : `(${representation} string)`;
    }
    if (this.isFunction(type)) return "(closure)";
    const v8Name = this.v8.typeNames.get(type);
    if (v8Name === "HeapNumber") return "(number)";
    if (v8Name === "Symbol") return "(symbol)";
    if (this.isContext(type)) return "(system) Context";
    if (this.isJSReceiver(type)) {
      // As V8 does, a prototype's Map does not name it: its constructor field is not the object's own.
      if ((map.bitField3 >>> this.prototypeMapBit) & 1) return "Object";
      return this.constructorName(map) ?? (v8Name ? v8Name.replace(/^JS/, "") : "Object");
    }
    const inferred = v8Name ?? this.inferredTypeNames.get(type);
    return inferred ? `(system) ${inferred}` : `(system) type ${type}`;
  }

  /** The name of the function that constructed a Map's objects, following back pointers to the root Map. */
  constructorName(map: MapInfo): string | undefined {
    const maker = this.constructorFunction(map);
    const name = maker === undefined ? undefined : this.functionName(maker);
    return name === "" ? undefined : name;
  }

  /** The JSFunction (tagged) that constructed a Map's objects, following back pointers to the root Map. */
  constructorFunction(map: MapInfo): number | undefined {
    let current = this.memory.word(map.address + this.constructorAt);
    for (let hops = 0; hops < 64 && current !== undefined && current % 2 === 1; hops++) {
      const index = this.maps.isMapAddress(current - 1)
        ? -2
        : this.maps.indexOfTagged(this.memory.word(current - 1) ?? 0);
      if (index === -2) {
        current = this.memory.word(current - 1 + this.constructorAt);
        continue;
      }
      const type = index >= 0 ? this.maps.maps[index]?.instanceType : undefined;
      return type !== undefined && this.isFunction(type) ? current : undefined;
    }
    return undefined;
  }

  /** The SharedFunctionInfo (tagged) of a JSFunction. */
  sharedOf(tagged: number): number | undefined {
    const shared = this.memory.word(tagged - 1 + this.sharedAt);
    return shared !== undefined && shared % 2 === 1 ? shared : undefined;
  }

  /**
   * Names a Map's objects otherwise than V8 does: a minified constructor by its original class (source
   * maps). Before the first groupOf of that Map.
   */
  rename(mapIndex: number, name: string): void {
    this.byMap.set(mapIndex, name);
  }

  /** A JSFunction's name: its SharedFunctionInfo's name, or the function name its ScopeInfo holds. */
  functionName(tagged: number): string | undefined {
    const shared = this.sharedOf(tagged);
    return shared === undefined ? undefined : this.sharedName(shared);
  }

  /** A SharedFunctionInfo's name, or the function name its ScopeInfo holds. */
  sharedName(shared: number): string | undefined {
    const nameOrScopeInfo = this.memory.word(shared - 1 + this.nameOrScopeInfoAt);
    if (this.strings.isString(nameOrScopeInfo)) return this.strings.read(nameOrScopeInfo);
    if (this.strings.typeOfTagged(nameOrScopeInfo) !== this.scopeInfoType || nameOrScopeInfo === undefined)
      return undefined;
    return this.scopeInfoFunctionName(nameOrScopeInfo - 1);
  }

  /**
   * V8 does not export where a ScopeInfo keeps the function's name: it follows the context locals'
   * names and infos, within a few slots (the way llnode finds it too).
   */
  private scopeInfoFunctionName(scopeInfo: number): string | undefined {
    const locals = smiValue(this.memory.word(scopeInfo + this.contextLocalsAt));
    if (locals === undefined || locals < 0 || locals > 1 << 16) return undefined;
    let at = scopeInfo + 8 * this.firstVars + 16 * locals;
    let empty: string | undefined;
    for (let tries = 0; tries < 5; tries++, at += 8) {
      const slot = this.memory.word(at);
      if (!this.strings.isString(slot)) continue;
      const name = this.strings.read(slot);
      if (name) return name;
      empty ??= name;
    }
    return empty;
  }

  /** The name of context local `index` of a context whose ScopeInfo is `scopeInfo` (tagged). */
  contextLocalName(scopeInfo: number | undefined, index: number): string | undefined {
    if (scopeInfo === undefined || this.strings.typeOfTagged(scopeInfo) !== this.scopeInfoType)
      return undefined;
    const locals = smiValue(this.memory.word(scopeInfo - 1 + this.contextLocalsAt));
    if (locals === undefined || index >= locals) return undefined;
    return this.strings.read(this.memory.word(scopeInfo - 1 + 8 * (1 + this.firstVars + index)));
  }
}
