import type { CoreMemory } from "./core-memory.js";
import type { HeapStrings } from "./heap-strings.js";
import type { MapInfo, MapTable } from "./map-table.js";
import { smiValue } from "./object-size.js";
import type { V8Constants } from "./v8-constants.js";

/** Where a JS object's named fields are: in the object (from `inobjectStart`) or in its PropertyArray. */
export interface MapFields {
  /** Property names by field index (undefined where a descriptor holds no field). */
  names: Array<string | undefined>;
  /** How many fields the object itself holds; field `i ≥ inobject` is PropertyArray slot `i - inobject`. */
  inobject: number;
}

/** The named fields of each Map, decoded once from its own descriptors. */
export class FieldNames {
  private readonly cache = new Map<number, MapFields>();
  private readonly descriptorsAt: number;
  private readonly own: { mask: number; shift: number };
  private readonly details: {
    locationMask: number;
    locationShift: number;
    field: number;
    indexMask: number;
    indexShift: number;
  };
  private readonly descriptorHeader: number;

  constructor(
    private readonly memory: CoreMemory,
    private readonly maps: MapTable,
    private readonly strings: HeapStrings,
    v8: V8Constants,
  ) {
    this.descriptorsAt = v8.field("Map", "instance_descriptors");
    this.own = {
      mask: v8.get("bit_field3_number_of_own_descriptors_mask"),
      shift: v8.get("bit_field3_number_of_own_descriptors_shift"),
    };
    this.details = {
      locationMask: v8.get("prop_location_mask"),
      locationShift: v8.get("prop_location_shift"),
      field: v8.get("prop_location_Field"),
      indexMask: v8.get("prop_index_mask"),
      indexShift: v8.get("prop_index_shift"),
    };
    this.descriptorHeader = v8.field("DescriptorArray", "header_size");
  }

  of(mapIndex: number): MapFields {
    let fields = this.cache.get(mapIndex);
    if (!fields) {
      fields = this.decode(this.maps.maps[mapIndex] as MapInfo);
      this.cache.set(mapIndex, fields);
    }
    return fields;
  }

  private decode(map: MapInfo): MapFields {
    const fields: MapFields = { names: [], inobject: Math.max(0, map.instanceSize / 8 - map.inobjectStart) };
    const descriptors = this.memory.word(map.address + this.descriptorsAt);
    if (descriptors === undefined || descriptors % 2 !== 1) return fields;
    const count = (map.bitField3 & this.own.mask) >>> this.own.shift;
    const d = this.details;
    for (let index = 0; index < count; index++) {
      const entry = descriptors - 1 + this.descriptorHeader + index * 24;
      const details = smiValue(this.memory.word(entry + 8));
      if (details === undefined || (details & d.locationMask) >>> d.locationShift !== d.field) continue;
      fields.names[(details & d.indexMask) >>> d.indexShift] = this.strings.read(this.memory.word(entry));
    }
    return fields;
  }
}
