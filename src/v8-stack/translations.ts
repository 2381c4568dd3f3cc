import { readVlq } from "./varint.js";

/**
 * V8's deoptimization translations: for each point where optimized code can deoptimize, the frames it
 * would rebuild, outermost first, each an interpreted frame with its function (an index into the literals)
 * and bytecode offset. How they are written changed with each V8 major (V8's translation-opcode.h of
 * that version): the operand count of each opcode, which opcodes begin a translation and an interpreted
 * frame, and since V8 11 an opcode that repeats operations of an earlier ("basis") translation, whose
 * count a byte at or above the number of opcodes carries.
 */
export interface TranslationFormat {
  operandCounts: number[];
  begin: number[];
  interpreted: number[];
  /** -1 where the format has no repeats. */
  matchPrevious: number;
  /** V8 10 wrote opcodes as signed variable-length numbers too. */
  signedOpcodes: boolean;
  /** A translation's first operand is the distance back to its basis. */
  hasLookback: boolean;
  /** V8 13: an interpreted frame names its BytecodeArray among the protected literals. */
  hasBytecodeLiteral: boolean;
}

/** [operand count, opcodes in a row with it] runs. */
function counts(runs: Array<[number, number]>): number[] {
  return runs.flatMap(([count, times]) => Array<number>(times).fill(count));
}

/** By V8 major (V8 14 writes 13's). */
export const translationFormats = {
  10: {
    operandCounts: counts([
      [2, 1],
      [1, 1],
      [0, 1],
      [3, 1],
      [1, 2],
      [3, 1],
      [1, 1],
      [3, 1],
      [1, 9],
      [5, 1],
      [3, 2],
      [4, 1],
      [1, 5],
      [2, 1],
    ]),
    begin: [3],
    interpreted: [18],
    matchPrevious: -1,
    signedOpcodes: true,
    hasLookback: false,
    hasBytecodeLiteral: false,
  },
  11: {
    operandCounts: counts([
      [1, 1],
      [0, 1],
      [3, 2],
      [1, 2],
      [3, 1],
      [1, 1],
      [3, 1],
      [1, 5],
      [2, 1],
      [1, 8],
      [5, 1],
      [3, 3],
      [4, 1],
      [0, 1],
      [1, 5],
      [2, 1],
      [1, 1],
    ]),
    begin: [2, 3],
    interpreted: [23, 24],
    matchPrevious: 35,
    signedOpcodes: false,
    hasLookback: true,
    hasBytecodeLiteral: false,
  },
  12: {
    operandCounts: counts([
      [5, 1],
      [3, 3],
      [2, 1],
      [1, 1],
      [3, 1],
      [4, 1],
      [2, 1],
      [1, 1],
      [0, 2],
      [3, 2],
      [1, 18],
      [0, 1],
      [1, 5],
      [2, 1],
      [1, 1],
    ]),
    begin: [12, 13],
    interpreted: [0, 1],
    matchPrevious: 39,
    signedOpcodes: false,
    hasLookback: true,
    hasBytecodeLiteral: false,
  },
  13: {
    operandCounts: counts([
      [6, 1],
      [4, 1],
      [3, 2],
      [2, 1],
      [1, 1],
      [3, 1],
      [4, 1],
      [3, 2],
      [2, 1],
      [1, 1],
      [0, 2],
      [3, 2],
      [1, 3],
      [0, 1],
      [1, 17],
      [0, 1],
      [1, 5],
      [2, 1],
      [1, 1],
    ]),
    begin: [14, 15],
    interpreted: [0, 1],
    matchPrevious: 44,
    signedOpcodes: false,
    hasLookback: true,
    hasBytecodeLiteral: true,
  },
} satisfies Record<10 | 11 | 12 | 13, TranslationFormat>;

export interface Operation {
  opcode: number;
  operands: number[];
}

/** V8's signed variable-length numbers keep the sign in the lowest bit. */
export function signed(value: number): number {
  const magnitude = Math.floor(value / 2);
  return value % 2 === 1 ? -magnitude : magnitude;
}

/** The operations of the translation at `start`, repeats replaced by the operations they repeat. */
export function readTranslation(
  bytes: Uint8Array,
  start: number,
  format: TranslationFormat,
): Operation[] | undefined {
  const written = readOperations(bytes, start, format);
  if (!written) return undefined;
  let basis: Operation[] = [];
  if (written.lookback !== 0) {
    if (written.lookback > start) return undefined;
    const earlier = readOperations(bytes, start - written.lookback, format);
    if (!earlier) return undefined;
    basis = earlier.operations;
  }
  const operations: Operation[] = [];
  for (const operation of written.operations) {
    if (operation.opcode !== format.matchPrevious) {
      operations.push(operation);
      continue;
    }
    const from = operations.length;
    const count = operation.operands[0] ?? 0;
    if (from + count > basis.length) return undefined;
    operations.push(...basis.slice(from, from + count));
  }
  return operations;
}

function readOperations(
  bytes: Uint8Array,
  start: number,
  format: TranslationFormat,
): { operations: Operation[]; lookback: number } | undefined {
  const reader = { at: start };
  const operations: Operation[] = [];
  let lookback: number | undefined;
  const opcodeCount = format.operandCounts.length;
  while (reader.at < bytes.length) {
    let opcode: number;
    if (format.signedOpcodes) {
      const raw = readVlq(bytes, reader);
      if (raw === undefined) return undefined;
      opcode = signed(raw);
    } else opcode = bytes[reader.at++] as number;
    const operation: Operation = { opcode, operands: [] };
    if (opcode >= opcodeCount) {
      if (format.matchPrevious < 0) return undefined;
      operation.operands.push(opcode - opcodeCount);
      operation.opcode = format.matchPrevious;
    } else if (opcode < 0) {
      return undefined;
    } else {
      const begins = format.begin.includes(opcode);
      if (begins !== (lookback === undefined)) {
        if (lookback === undefined) return undefined;
        break; // the next translation
      }
      for (let index = 0; index < (format.operandCounts[opcode] as number); index++) {
        const raw = readVlq(bytes, reader);
        if (raw === undefined) return undefined;
        operation.operands.push(raw);
      }
    }
    if (lookback === undefined) lookback = format.hasLookback ? (operation.operands[0] ?? 0) : 0;
    else operations.push(operation);
  }
  return lookback === undefined ? undefined : { operations, lookback };
}
