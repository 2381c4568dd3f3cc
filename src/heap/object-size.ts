import type { MapInfo } from "./map-table.js";
import type { V8Constants } from "./v8-constants.js";

/** Reads a 64-bit word of the core at an address (undefined outside the dump). */
export type WordReader = (address: number) => number | undefined;

const TWO_32 = 2 ** 32;

/** A Smi's value (the upper 32 bits of the word), or undefined when the word is not a Smi. */
export function smiValue(word: number | undefined): number | undefined {
  if (word === undefined || word % TWO_32 !== 0) return undefined;
  const high = word / TWO_32;
  return high >= 2 ** 31 ? high - TWO_32 : high;
}

const NOT_ARRAY_SHAPED = [
  "ScopeInfo",
  "FeedbackVector",
  "FeedbackMetadata",
  "PreparseData",
  "CoverageInfo",
  "BigInt",
  "SmallOrderedHashMap",
  "SmallOrderedHashSet",
  "SmallOrderedNameDictionary",
  "SwissNameDictionary",
  "Code",
  "InstructionStream",
];

function roundToWord(bytes: number): number {
  return Math.ceil(bytes / 8) * 8;
}

/**
 * How V8's `HeapObject::SizeFromMap` sizes the objects of each type, for the types whose size is not in
 * their Map: the rules are in terms of the object's own length fields. A type not listed is tried as a
 * FixedArray (length Smi after the map), which most of V8's array-like internals are; the walk checks
 * every such guess against the object that must follow.
 */
export class ObjectSizer {
  private readonly byType = new Map<number, (address: number, read: WordReader) => number | undefined>();
  private readonly firstNonString: number;
  private readonly representationMask: number;
  private readonly seqTag: number;
  private readonly encodingMask: number;
  private readonly oneByteTag: number;
  private readonly stringLengthAt: number;
  private readonly charsAt: number;

  constructor(v8: V8Constants) {
    this.firstNonString = v8.get("FirstNonstringType");
    this.representationMask = v8.get("StringRepresentationMask");
    this.seqTag = v8.get("SeqStringTag");
    this.encodingMask = v8.get("StringEncodingMask");
    this.oneByteTag = v8.get("OneByteStringTag");
    this.stringLengthAt = v8.field("String", "length");
    this.charsAt = v8.field("SeqOneByteString", "chars");
    const lengthAt = v8.field("FixedArrayBase", "length", 8);
    const length = (address: number, read: WordReader) => smiValue(read(address + lengthAt));
    const rule = (names: string[], size: (address: number, read: WordReader) => number | undefined) => {
      for (const name of names) {
        const type = v8.type(name);
        if (type >= 0) this.byType.set(type, size);
      }
    };
    const scaled = (header: number, scale: number) => (address: number, read: WordReader) => {
      const count = length(address, read);
      return count === undefined || count < 0 ? undefined : roundToWord(header + count * scale);
    };
    // Not FixedArray-shaped, and V8 exports nothing to size them by: they end where the next object starts.
    rule(NOT_ARRAY_SHAPED, () => undefined);
    rule(["FreeSpace"], (address, read) => smiValue(read(address + 8)));
    rule(["ByteArray", "TrustedByteArray"], scaled(16, 1));
    rule(["FixedDoubleArray"], scaled(16, 8));
    rule(["WeakArrayList"], scaled(24, 8));
    rule(["SloppyArgumentsElements"], scaled(32, 8));
    rule(["BytecodeArray"], scaled(v8.field("BytecodeArray", "data"), 1));
    const descriptorHeader = v8.field("DescriptorArray", "header_size");
    const descriptorSize = v8.get("prop_desc_size") * 8;
    rule(["DescriptorArray", "StrongDescriptorArray"], (address, read) => {
      const word = read(address + 8);
      return word === undefined ? undefined : descriptorHeader + (word % 65536) * descriptorSize;
    });
    rule(["PropertyArray"], (address, read) => {
      const lengthAndHash = smiValue(read(address + 8));
      return lengthAndHash === undefined ? undefined : 16 + (lengthAndHash & 0x3ff) * 8;
    });
  }

  /** The object's size in bytes, or undefined when its type's rule cannot tell. */
  sizeOf(address: number, map: MapInfo, read: WordReader): number | undefined {
    if (map.instanceSize > 0) return map.instanceSize;
    const type = map.instanceType;
    if (type < this.firstNonString) {
      if ((type & this.representationMask) !== this.seqTag) return undefined;
      const word = read(address + (this.stringLengthAt & ~7));
      if (word === undefined) return undefined;
      const length = (this.stringLengthAt & 4) === 0 ? word % TWO_32 : Math.floor(word / TWO_32);
      const oneByte = (type & this.encodingMask) === this.oneByteTag;
      return roundToWord(this.charsAt + length * (oneByte ? 1 : 2));
    }
    const rule = this.byType.get(type);
    if (rule) return rule(address, read);
    const count = smiValue(read(address + 8));
    return count === undefined || count < 0 ? undefined : 16 + count * 8;
  }

  /** Whether the type's size is only the FixedArray guess, to be checked against what follows. */
  isGuess(map: MapInfo): boolean {
    return (
      map.instanceSize === 0 && map.instanceType >= this.firstNonString && !this.byType.has(map.instanceType)
    );
  }

  isSeqString(type: number): boolean {
    return type < this.firstNonString && (type & this.representationMask) === this.seqTag;
  }
}
