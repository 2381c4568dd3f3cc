import type { Segment } from "../core-memory.js";
import type { LoadedHeap } from "../loaded-heap.js";

/** As many characters as V8's own snapshot keeps of a string's text (HeapStrings' MAX_CHARS). */
const MAX_CHARS = 1024;
const UNKNOWN = 0;
const ONE_BYTE = 1;
const TWO_BYTE = 2;
const OTHER = 3;

/**
 * The text of sequential strings, the most common string nodes, read as HeapStrings.read reads them but
 * without its lookups per string (the Map of the object, three binary searches over the segments, a Buffer
 * per string): the encoding comes from the Map once, the characters straight from one Buffer per segment.
 * Any other representation is left to HeapStrings (undefined).
 */
export class FlatStrings {
  private readonly lengthAt: number;
  private readonly charsAt: number;
  private readonly byMap: Uint8Array;
  private segment: Segment | undefined;
  private bytes: Buffer = Buffer.alloc(0);

  constructor(private readonly heap: LoadedHeap) {
    const v8 = heap.v8;
    this.lengthAt = v8.field("String", "length");
    this.charsAt = v8.field("SeqOneByteString", "chars");
    this.byMap = new Uint8Array(heap.maps.maps.length);
  }

  /** The text of the object at `address` whose Map is `mapIndex`, or undefined when it is no sequential string. */
  read(address: number, mapIndex: number): string | undefined {
    let kind = this.byMap[mapIndex] as number;
    if (kind === UNKNOWN) {
      kind = this.kindOf(mapIndex);
      this.byMap[mapIndex] = kind;
    }
    if (kind === OTHER) return undefined;
    let segment = this.segment;
    if (!segment || address < segment.start || address >= segment.end) {
      segment = this.heap.memory.segmentOf(address);
      if (!segment) return undefined;
      this.segment = segment;
      this.bytes = Buffer.from(segment.words.buffer, segment.words.byteOffset, segment.words.byteLength);
    }
    const lengthWordAt = address + (this.lengthAt & ~7) - segment.start;
    if (lengthWordAt + 8 > segment.end - segment.start) return undefined;
    const words = segment.words;
    const length =
      (this.lengthAt & 4) === 0
        ? (words[lengthWordAt / 4] as number)
        : (words[lengthWordAt / 4 + 1] as number);
    const shown = Math.min(length, MAX_CHARS) * (kind === ONE_BYTE ? 1 : 2);
    const start = address + this.charsAt - segment.start;
    if (start + shown > segment.end - segment.start) return "";
    return this.bytes.toString(kind === ONE_BYTE ? "latin1" : "utf16le", start, start + shown);
  }

  private kindOf(mapIndex: number): number {
    const heap = this.heap;
    const type = heap.maps.maps[mapIndex]?.instanceType ?? -1;
    if (!heap.names.isString(type) || heap.strings.representation(type) !== "seq") return OTHER;
    const v8 = heap.v8;
    return (type & v8.get("StringEncodingMask")) === v8.get("OneByteStringTag") ? ONE_BYTE : TWO_BYTE;
  }
}
