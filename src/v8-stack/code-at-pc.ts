import { smiValue } from "../heap/object-size.js";
import type { V8Reading } from "./v8-reading.js";

/** How far back from a pc the start of its code object is looked for: V8's code objects are smaller. */
const MAX_CODE_BYTES = 1 << 20;

/** The JIT code object that holds a pc, as far as a stack walker needs it. */
export interface CodeAtPc {
  /** The tagged Code object. */
  code: number;
  instructionStart: number;
  instructionSize: number;
  /** The pc's offset in the instructions. */
  pcOffset: number;
  kind: "baseline" | "maglev" | "turbofan" | "other";
  /** A tagged field of the Code counted from its data field: 0 the bytecode or deoptimization data, 1 the table after it. */
  dataField(index: number): number | undefined;
}

/**
 * The code object that holds `pc`, found by walking back from the pc a word at a time to the map of the
 * objects that hold instructions (InstructionStream since V8 11, Code before), and checking that the
 * object found holds the pc. JIT code lives in the heap's code space, which a core holds whole; the
 * embedded builtins live in the executable's text, which it does not: for those there is none.
 */
export function codeAtPc(reading: V8Reading, pc: number): CodeAtPc | undefined {
  const layout = codeLayout(reading);
  const { memory, maps } = reading;
  const end = pc - (pc % 8);
  for (let at = end - 8; at > end - MAX_CODE_BYTES; at -= 8) {
    const word = memory.word(at);
    if (word === undefined) return undefined;
    if (word % 2 !== 1) continue;
    const mapIndex = maps.indexOfTagged(word);
    if (mapIndex < 0 || maps.maps[mapIndex]?.instanceType !== layout.instructionsType) continue;
    const object = at + 1;
    const code = layout.separate ? memory.word(object - 1 + 8) : object;
    if (code === undefined || code % 2 !== 1) continue;
    if (layout.separate && reading.strings.typeOfTagged(code) !== layout.codeType) continue;
    const sizeWord = memory.word(code - 1 + (layout.sizeAt & ~7));
    const flagsWord = memory.word(code - 1 + (layout.flagsAt & ~7));
    if (sizeWord === undefined || flagsWord === undefined) continue;
    const size = (layout.sizeAt & 4) === 0 ? sizeWord % 2 ** 32 : Math.floor(sizeWord / 2 ** 32);
    const flags = (layout.flagsAt & 4) === 0 ? flagsWord % 2 ** 32 : Math.floor(flagsWord / 2 ** 32);
    const start = object - 1 + layout.headerSize;
    // Instructions start at V8's code alignment: a word of instructions that equals the map does not.
    if (start % 32 !== 0 || size <= 0 || pc < start || pc > start + size) continue;
    const kindNumber = Math.floor(flags / 2 ** layout.kindShift) & layout.kindMask;
    const kind =
      kindNumber === layout.baseline
        ? "baseline"
        : kindNumber === layout.baseline + 1
          ? "maglev"
          : kindNumber === layout.baseline + 2
            ? "turbofan"
            : "other";
    return {
      code,
      instructionStart: start,
      instructionSize: size,
      pcOffset: pc - start,
      kind,
      dataField: (index) => memory.word(code - 1 + layout.dataAt + index * 8),
    };
  }
  return undefined;
}

interface CodeLayout {
  separate: boolean;
  instructionsType: number;
  codeType: number;
  headerSize: number;
  flagsAt: number;
  sizeAt: number;
  dataAt: number;
  kindShift: number;
  kindMask: number;
  /** Code kinds end with baseline (Sparkplug), Maglev, TurboFan. */
  baseline: number;
}

/**
 * Where V8 keeps a Code's fields. V8 11 (Node 20) exports neither flags nor size (the first int after the
 * cached instruction start, and the third); the data field follows the map (V8 12 and later) or the
 * relocation info (before).
 */
function codeLayout({ v8, v8Layout }: V8Reading): CodeLayout {
  const codeType = v8.type("Code");
  const streamType = v8.type("InstructionStream");
  const separate = streamType >= 0;
  return {
    separate,
    instructionsType: separate ? streamType : codeType,
    codeType,
    headerSize: separate
      ? v8.get("class_InstructionStream__instruction_start__uintptr_t")
      : v8.get("class_Code__instruction_start__uintptr_t"),
    flagsAt: v8.field("Code", "flags", 6 * 8),
    sizeAt: v8.field("Code", "instruction_size", 7 * 8),
    dataAt: v8.field("Code", "deoptimization_data", v8Layout.codeDataAt),
    kindShift: v8.get("CodeKindFieldShift"),
    kindMask: v8.get("CodeKindFieldMask"),
    baseline: v8.get("CodeKindBaseline"),
  };
}

/** A (Trusted)ByteArray's bytes, or undefined where the core lacks them or the length is absurd. */
export function byteArrayBytes(reading: V8Reading, tagged: number | undefined): Buffer | undefined {
  if (tagged === undefined || tagged % 2 !== 1) return undefined;
  const length = smiValue(reading.memory.word(tagged - 1 + 8));
  if (length === undefined || length <= 0 || length > 1 << 24) return undefined;
  return reading.memory.bytes(tagged - 1 + 16, length);
}
