import { smiValue } from "../heap/object-size.js";
import { bytecodeHeaderSize } from "./bytecode-array.js";
import { byteArrayBytes, type CodeAtPc } from "./code-at-pc.js";
import type { V8Reading } from "./v8-reading.js";
import { readVlq } from "./varint.js";

/** The first four bytecodes are prefixes that widen the next one's operands (Wide ×2, ExtraWide ×4). */
const PREFIXES = 4;

/**
 * The bytecode a baseline (Sparkplug) frame is at. Baseline code keeps, after its BytecodeArray, a table of
 * the machine code's length for each bytecode in turn; the pc, a return address, is the end of the call's
 * instructions, so the bytecode is the one whose code ends at or after it. Walking the bytecodes needs their
 * sizes: V8's own table of them (`Bytecodes::kBytecodeSizes`, by operand scale), read from the executable.
 */
export function baselineBytecodeOffset(
  reading: V8Reading,
  code: CodeAtPc,
  bytecodeArray: number,
): number | undefined {
  const sizes = reading.bytecodeSizes;
  if (!sizes || sizes.length % 3 !== 0) return undefined;
  const count = sizes.length / 3;
  const length = smiValue(reading.memory.word(bytecodeArray - 1 + 8));
  const header = bytecodeHeaderSize(reading.v8);
  if (length === undefined || length <= 0 || length > 1 << 24) return undefined;
  const bytecodes = reading.memory.bytes(bytecodeArray - 1 + header, length);
  const offsets = byteArrayBytes(reading, code.dataField(1));
  if (!bytecodes || !offsets) return undefined;
  const reader = { at: 0 };
  let pcEnd = readVlq(offsets, reader);
  let bytecodeOffset: number | undefined;
  let next = 0;
  while (pcEnd !== undefined && pcEnd < code.pcOffset) {
    if (next >= bytecodes.length) return undefined;
    bytecodeOffset = next;
    let bytecode = bytecodes[next] as number;
    let scale = 0;
    if (bytecode < PREFIXES) {
      scale = bytecode % 2 === 0 ? 1 : 2;
      next += 1;
      bytecode = bytecodes[next] ?? count;
    }
    const size = bytecode < count ? (sizes[scale * count + bytecode] as number) : 0;
    if (size <= 0) return undefined;
    next += size;
    const delta = readVlq(offsets, reader);
    if (delta === undefined) return undefined;
    pcEnd += delta;
  }
  return bytecodeOffset;
}
