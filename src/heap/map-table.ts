import type { CoreMemory } from "./core-memory.js";
import type { V8Constants } from "./v8-constants.js";

/** What the walk needs of one V8 Map (the hidden class, not the JS collection). */
export interface MapInfo {
  address: number;
  instanceType: number;
  /** Bytes; 0 for variable-size types, whose size comes from the object's own fields. */
  instanceSize: number;
  /** First in-object property slot, in words (JS objects only). */
  inobjectStart: number;
  bitField3: number;
}

/** The Maps of the heap by address, with their fields decoded once. */
export class MapTable {
  readonly byAddress = new Map<number, number>();
  readonly maps: MapInfo[] = [];

  constructor(memory: CoreMemory, v8: V8Constants, addresses: Iterable<number>) {
    const sizeAt = v8.field("Map", "instance_size_in_words");
    const typeAt = v8.field("Map", "instance_type");
    const startAt = v8.field("Map", "inobject_properties_start_or_constructor_function_index");
    const bitField3At = v8.field("Map", "bit_field3");
    for (const address of [...addresses].sort((a, b) => a - b)) {
      const head = memory.bytes(address, 24);
      if (!head) continue;
      this.byAddress.set(address, this.maps.length);
      this.maps.push({
        address,
        instanceType: head.readUInt16LE(typeAt),
        instanceSize: (head[sizeAt] as number) * 8,
        inobjectStart: head[startAt] as number,
        bitField3: head.readUInt32LE(bitField3At),
      });
    }
  }

  /** The index of the Map a tagged map word points at, or -1 when it points at none. */
  indexOfTagged(word: number): number {
    return this.byAddress.get(word - 1) ?? -1;
  }
}
