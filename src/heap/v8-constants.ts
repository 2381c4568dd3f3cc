import { readIntSymbols } from "../elf/symbols.js";
import { ExpectedError } from "../errors.js";

export class UnsupportedHeapError extends ExpectedError {
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedHeapError";
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

  constructor(private readonly values: ReadonlyMap<string, number>) {
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
    return new V8Constants(values);
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
