import { readIntSymbols } from "../elf/symbols.js";
import { ExpectedError } from "../errors.js";

export class UnsupportedHeapError extends ExpectedError {
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedHeapError";
  }
}

/** Bytes of a Map the reader reads its fields from (MapTable): the fields it reads must lie in them. */
export const MAP_HEAD_BYTES = 24;

/**
 * The values the reader can use its constants with, checked once when they are read: instance types are
 * 16 bits, field offsets lie within an object's first few hundred bytes (the official builds' reach 128),
 * a shift is less than a word, indexes and sizes of descriptors and scope infos are small. Tags and masks
 * are only compared and combined, whatever they are. The first pattern that names a constant applies.
 */
const RANGES: ReadonlyArray<{ name: RegExp; min: number; max: number }> = [
  { name: /^v8dbg_type_/, min: 0, max: 0xffff },
  {
    name: /^v8dbg_class_Map__(instance_size_in_words|inobject_properties_start_or_constructor_function_index)__/,
    min: 0,
    max: MAP_HEAD_BYTES - 1,
  },
  { name: /^v8dbg_class_Map__instance_type__/, min: 0, max: MAP_HEAD_BYTES - 2 },
  { name: /^v8dbg_class_Map__bit_field3__/, min: 0, max: MAP_HEAD_BYTES - 4 },
  { name: /^v8dbg_class_/, min: 0, max: 4096 },
  { name: /^v8dbg_(First|Last)\w*Type$/, min: 0, max: 0xffff },
  { name: /_shift$/, min: 0, max: 63 },
  { name: /^v8dbg_(prop_desc_size|context_min_slots|scopeinfo_idx_\w+)$/, min: 0, max: 1024 },
];

export class V8ConstantRangeError extends UnsupportedHeapError {
  constructor(what: string, name: string, value: number, range: { min: number; max: number }) {
    super(
      `${what} has V8's constant ${name} = ${value}, outside ${range.min} to ${range.max}: the binary was edited or is not an official node build; use the official, unstripped node binary of the crash`,
    );
    this.name = "V8ConstantRangeError";
  }
}

/**
 * V8's postmortem constants of one executable (`v8dbg_*` data symbols): instance types by name, field
 * offsets by class and field, and the tagging scheme.
 */
export class V8Constants {
  /** Instance type number → V8 class name (`JSObject`, `SeqOneByteString` …). */
  readonly typeNames = new Map<number, string>();
  /** V8 class name → instance type number. */
  readonly typeOf = new Map<string, number>();

  /** `what` names the executable in the error when a constant is out of the range the reader can use. */
  constructor(
    private readonly values: ReadonlyMap<string, number>,
    what = "the node binary",
  ) {
    for (const [name, value] of values) {
      const range = RANGES.find((candidate) => candidate.name.test(name));
      if (range && !(value >= range.min && value <= range.max))
        throw new V8ConstantRangeError(what, name, value, range);
    }
    for (const [name, value] of values) {
      const match = /^v8dbg_type_(\w+?)__(\w+)$/.exec(name);
      if (!match?.[1]) continue;
      this.typeNames.set(value, match[1]);
      this.typeOf.set(match[1], value);
    }
  }

  static async fromExecutable(path: string): Promise<V8Constants> {
    const values = await readIntSymbols(path, "v8dbg_");
    if (values.size === 0) {
      throw new UnsupportedHeapError(
        `${path} has no V8 postmortem symbols (v8dbg_*): use the official, unstripped node binary of the crash`,
      );
    }
    return new V8Constants(values, path);
  }

  has(name: string): boolean {
    return this.values.has(`v8dbg_${name}`);
  }

  /** A plain constant (`HeapObjectTag`, `bit_field3_number_of_own_descriptors_shift` …). */
  get(name: string, fallback?: number): number {
    const value = this.values.get(`v8dbg_${name}`);
    if (value !== undefined) return value;
    if (fallback !== undefined) return fallback;
    throw new UnsupportedHeapError(
      `this node binary lacks V8's constant ${name}: its V8 is not one coredump heap reads`,
    );
  }

  /**
   * The offset of `cls`'s field `field`, whatever V8 spelled its type: `class_Map__instance_type__uint16_t`,
   * or since V8 12 `class_Map__constructor_or_back_pointer__Tagged_Object_`.
   */
  field(cls: string, field: string, fallback?: number): number {
    const prefix = `v8dbg_class_${cls}__${field}__`;
    for (const [name, value] of this.values) if (name.startsWith(prefix)) return value;
    if (fallback !== undefined) return fallback;
    throw new UnsupportedHeapError(
      `this node binary lacks V8's field ${cls}::${field}: its V8 is not one coredump heap reads`,
    );
  }

  /** Every constant whose name starts with `v8dbg_<prefix>`, by the rest of its name. */
  named(prefix: string): Map<string, number> {
    const found = new Map<string, number>();
    const start = `v8dbg_${prefix}`;
    for (const [name, value] of this.values)
      if (name.startsWith(start)) found.set(name.slice(start.length), value);
    return found;
  }

  /** The instance type numbers whose enum name (`INTERNALIZED_ONE_BYTE_STRING_TYPE` …) matches `pattern`. */
  typesWhoseEnumMatches(pattern: RegExp): number[] {
    const types: number[] = [];
    for (const [name, value] of this.values) {
      const match = /^v8dbg_type_\w+?__(\w+)$/.exec(name);
      if (match?.[1] && pattern.test(match[1])) types.push(value);
    }
    return types;
  }

  /** The instance type number of V8 class `name`, or -1 where this V8 has no such type. */
  type(name: string): number {
    return this.typeOf.get(name) ?? -1;
  }
}
