import { smiValue } from "../heap/object-size.js";
import { byteArrayBytes, type CodeAtPc } from "./code-at-pc.js";
import { type Operation, readTranslation, signed } from "./translations.js";
import type { V8Reading } from "./v8-reading.js";

/** One JS function of an optimized frame: the frame's own, or one inlined into its code. */
export interface InlinedFunction {
  /** The tagged SharedFunctionInfo. */
  shared: number;
  bytecodeOffset: number;
  /** The BytecodeArray the translation names (V8 13 and later), where it names one. */
  bytecodeArray?: number;
}

/**
 * The JS functions of one optimized (TurboFan, Maglev) frame, outermost first, read the way V8 itself
 * summarizes such a frame: the deoptimization point of the frame's pc (the entry whose pc is the return
 * address for TurboFan, the safepoint table's entry for Maglev), and that point's translation, which names
 * each inlined function and its bytecode offset. Undefined where the code's data does not say.
 */
export function optimizedFunctions(reading: V8Reading, code: CodeAtPc): InlinedFunction[] | undefined {
  const format = reading.v8Layout.translation;
  const literalsAt = reading.v8.get("DeoptimizationDataLiteralArrayIndex", 2);
  // V8 13 (Node 24) put the protected literals (BytecodeArrays) before them.
  const protectedAt = literalsAt === 3 ? 2 : -1;
  const firstEntry = literalsAt + 9;
  const data = code.dataField(0);
  const length = data === undefined ? undefined : smiValue(reading.memory.word(data - 1 + 8));
  if (data === undefined || length === undefined || length <= firstEntry || length > 1 << 24)
    return undefined;
  const at = (array: number | undefined, index: number) =>
    array === undefined ? undefined : reading.memory.word(array - 1 + (2 + index) * 8);
  const entries = Math.floor((length - firstEntry) / 3);
  let entry = -1;
  if (code.kind === "maglev") entry = maglevDeoptIndex(reading, code);
  else {
    for (let index = 0; index < entries && entry < 0; index++)
      if (smiValue(at(data, firstEntry + index * 3 + 2)) === code.pcOffset) entry = index;
  }
  if (entry < 0 || entry >= entries) return undefined;
  const translationIndex = smiValue(at(data, firstEntry + entry * 3 + 1));
  const translations = byteArrayBytes(reading, at(data, 0));
  if (translationIndex === undefined || !translations) return undefined;
  const operations = readTranslation(translations, translationIndex, format);
  if (!operations) return undefined;
  const literals = at(data, literalsAt);
  const protectedLiterals = protectedAt >= 0 ? at(data, protectedAt) : undefined;
  const functions: InlinedFunction[] = [];
  for (const operation of operations.filter((op: Operation) => format.interpreted.includes(op.opcode))) {
    let shared = at(literals, signed(operation.operands[1] ?? 0));
    if (shared !== undefined && shared % 4 === 3) shared -= 2; // a weak reference
    if (
      shared === undefined ||
      reading.strings.typeOfTagged(shared) !== reading.v8.type("SharedFunctionInfo")
    )
      return undefined;
    const bytecodeArray =
      format.hasBytecodeLiteral && protectedLiterals !== undefined
        ? at(protectedLiterals, signed(operation.operands[2] ?? 0))
        : undefined;
    functions.push({
      shared,
      bytecodeOffset: signed(operation.operands[0] ?? 0),
      ...(bytecodeArray !== undefined ? { bytecodeArray } : {}),
    });
  }
  return functions.length > 0 ? functions : undefined;
}

/**
 * Maglev keeps the deoptimization point of each call in its safepoint table, right after the
 * instructions: a header of four 32-bit fields, then per entry its pc, its deoptimization index + 1 and
 * its trampoline + 1, in the byte widths the header's configuration gives. V8 13 put the number of stack
 * slots first; V8 12 ended with the number of untagged slots instead.
 */
function maglevDeoptIndex(reading: V8Reading, code: CodeAtPc): number {
  const table = code.instructionStart + code.instructionSize;
  const header = reading.memory.bytes(table, 16);
  if (!header) return -1;
  const slotsFirst = reading.v8Layout.maglevSlotsFirst;
  const length = header.readUInt32LE(slotsFirst ? 4 : 0);
  const configuration = header.readUInt32LE(slotsFirst ? 8 : 4);
  const registerSize = (configuration >> 1) & 7;
  const pcSize = (configuration >> 4) & 7;
  const deoptSize = (configuration >> 7) & 7;
  if ((configuration & 1) === 0 || length > 100_000 || pcSize === 0) return -1;
  const entrySize = pcSize + pcSize + deoptSize + 1 + registerSize;
  const entries = reading.memory.bytes(table + 16, length * entrySize);
  if (!entries) return -1;
  const read = (offset: number, width: number) => (width === 0 ? 0 : entries.readUIntLE(offset, width));
  for (let index = 0; index < length; index++) {
    const offset = index * entrySize;
    if (read(offset, pcSize) === code.pcOffset) return read(offset + pcSize, deoptSize) - 1;
  }
  return -1;
}
