import type { CoreMemory } from "./core-memory.js";
import type { MapTable } from "./map-table.js";
import { smiValue } from "./object-size.js";
import type { V8Constants } from "./v8-constants.js";

/** As many characters as V8's own snapshot keeps of a string's text. */
const MAX_CHARS = 1024;

/** Reads V8 strings of every representation out of the core, cut at 1024 characters. */
export class HeapStrings {
  private readonly lengthAt: number;
  private readonly charsAt: number;
  private readonly firstNonString: number;
  private readonly representationMask: number;
  private readonly encodingMask: number;
  private readonly oneByteTag: number;
  private readonly tags: { seq: number; cons: number; sliced: number; thin: number; external: number };
  private readonly consFirstAt: number;
  private readonly slicedParentAt: number;
  private readonly slicedOffsetAt: number;
  private readonly thinActualAt: number;
  private readonly externalResourceAt: number;

  constructor(
    private readonly memory: CoreMemory,
    private readonly maps: MapTable,
    v8: V8Constants,
  ) {
    this.lengthAt = v8.field("String", "length");
    this.charsAt = v8.field("SeqOneByteString", "chars");
    this.firstNonString = v8.get("FirstNonstringType");
    this.representationMask = v8.get("StringRepresentationMask");
    this.encodingMask = v8.get("StringEncodingMask");
    this.oneByteTag = v8.get("OneByteStringTag");
    this.tags = {
      seq: v8.get("SeqStringTag"),
      cons: v8.get("ConsStringTag"),
      sliced: v8.get("SlicedStringTag"),
      thin: v8.get("ThinStringTag"),
      external: v8.get("ExternalStringTag"),
    };
    this.consFirstAt = v8.field("ConsString", "first");
    this.slicedParentAt = v8.field("SlicedString", "parent");
    this.slicedOffsetAt = v8.field("SlicedString", "offset");
    this.thinActualAt = v8.field("ThinString", "actual");
    this.externalResourceAt = v8.field("ExternalString", "resource", 16);
  }

  /** The instance type of the object a tagged pointer points at, or -1. */
  typeOfTagged(tagged: number | undefined): number {
    if (tagged === undefined || tagged % 2 !== 1) return -1;
    const mapWord = this.memory.word(tagged - 1);
    const index = mapWord === undefined ? -1 : this.maps.indexOfTagged(mapWord);
    return index < 0 ? -1 : (this.maps.maps[index]?.instanceType ?? -1);
  }

  isString(tagged: number | undefined): boolean {
    const type = this.typeOfTagged(tagged);
    return type >= 0 && type < this.firstNonString;
  }

  representation(type: number): "seq" | "cons" | "sliced" | "thin" | "external" {
    const bits = type & this.representationMask;
    if (bits === this.tags.cons) return "cons";
    if (bits === this.tags.sliced) return "sliced";
    if (bits === this.tags.thin) return "thin";
    if (bits === this.tags.external) return "external";
    return "seq";
  }

  /**
   * The text of the string a tagged pointer points at, or undefined when it is no string; cut at `limit`
   * characters (a script's source is read whole by the stack walker, with a limit of its own).
   */
  read(tagged: number | undefined, depth = 0, limit = MAX_CHARS): string | undefined {
    const type = this.typeOfTagged(tagged);
    if (tagged === undefined || type < 0 || type >= this.firstNonString || depth > 8) return undefined;
    const address = tagged - 1;
    const lengthWord = this.memory.word(address + (this.lengthAt & ~7));
    if (lengthWord === undefined) return undefined;
    const length = (this.lengthAt & 4) === 0 ? lengthWord % 2 ** 32 : Math.floor(lengthWord / 2 ** 32);
    const shown = Math.min(length, limit);
    switch (this.representation(type)) {
      case "seq": {
        const oneByte = (type & this.encodingMask) === this.oneByteTag;
        const bytes = this.memory.bytes(address + this.charsAt, shown * (oneByte ? 1 : 2));
        return bytes?.toString(oneByte ? "latin1" : "utf16le");
      }
      case "cons": {
        const first = this.read(this.memory.word(address + this.consFirstAt), depth + 1, limit) ?? "";
        const second =
          first.length < shown
            ? (this.read(this.memory.word(address + this.consFirstAt + 8), depth + 1, limit) ?? "")
            : "";
        return (first + second).slice(0, shown);
      }
      case "sliced": {
        const offset = smiValue(this.memory.word(address + this.slicedOffsetAt)) ?? 0;
        const parent = this.readLong(
          this.memory.word(address + this.slicedParentAt),
          offset + shown,
          depth + 1,
        );
        return parent?.slice(offset, offset + shown);
      }
      case "thin":
        return this.read(this.memory.word(address + this.thinActualAt), depth + 1, limit);
      default:
        return this.readExternal(address, type, shown);
    }
  }

  /**
   * An external string's characters, through the data pointer V8 caches after the resource pointer
   * (uncached external strings keep only the resource, whose layout is the embedder's: not read).
   */
  private readExternal(address: number, type: number, length: number): string | undefined {
    const data = this.memory.word(address + this.externalResourceAt + 8);
    if (!data || data % 2 !== 0) return undefined;
    const oneByte = (type & this.encodingMask) === this.oneByteTag;
    return this.memory.bytes(data, length * (oneByte ? 1 : 2))?.toString(oneByte ? "latin1" : "utf16le");
  }

  /** A sliced string's parent, read far enough to cover the slice. */
  private readLong(tagged: number | undefined, wanted: number, depth: number): string | undefined {
    if (wanted <= MAX_CHARS) return this.read(tagged, depth, wanted);
    const type = this.typeOfTagged(tagged);
    if (tagged === undefined || type < 0 || this.representation(type) !== "seq") return undefined;
    const oneByte = (type & this.encodingMask) === this.oneByteTag;
    return this.memory
      .bytes(tagged - 1 + this.charsAt, wanted * (oneByte ? 1 : 2))
      ?.toString(oneByte ? "latin1" : "utf16le");
  }
}
