/**
 * V8's source position tables: for each entry, the distance in code (bytecode or machine code) from the
 * previous entry and the distance in source, both as variable-length numbers. A source position holds the
 * script offset + 1 above a flag bit, and the inlining id above 31 bits (0 for the function itself).
 * V8 13 and before write the code distance zig-zag encoded, its sign telling a statement from an
 * expression; V8 14 (Node 26) writes it unsigned with two flag bits below it.
 */
export interface PositionTableFormat {
  /** V8 14's unsigned code distances. */
  flagsBelowCodeDelta: boolean;
}

export interface SourcePosition {
  /** Characters from the start of the script. */
  scriptOffset: number;
  /** 0 for the function's own code, else 1 + the index of the inlined function in the code's table. */
  inliningId: number;
}

/** The position of the last entry at or before `codeOffset`, or undefined where no entry is. */
export function positionAt(
  table: Uint8Array,
  codeOffset: number,
  format: PositionTableFormat,
  /** Bytecode tables start at the function entry (-1); machine code tables at 0. */
  startOffset: number,
): SourcePosition | undefined {
  const reader = { at: 0 };
  let code = startOffset;
  let source = 0n;
  let found: SourcePosition | undefined;
  while (reader.at < table.length) {
    const codeDelta = readVarint(table, reader);
    const sourceDelta = readVarint(table, reader);
    if (codeDelta === undefined || sourceDelta === undefined) return found;
    code += format.flagsBelowCodeDelta ? Number(codeDelta >> 2n) : Number(zigZag(codeDelta, true));
    source += zigZag(sourceDelta, false);
    if (code > codeOffset) break;
    found = {
      scriptOffset: Number((source >> 1n) & 0x3fffffffn) - 1,
      inliningId: Number((source >> 31n) & 0xffffn),
    };
  }
  return found;
}

function readVarint(table: Uint8Array, reader: { at: number }): bigint | undefined {
  let value = 0n;
  let shift = 0n;
  for (;;) {
    if (reader.at >= table.length || shift > 63n) return undefined;
    const byte = table[reader.at++] as number;
    value |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
    if ((byte & 0x80) === 0) return value;
  }
}

/** Zig-zag decoding; a code distance's sign only says statement or expression, so its size is kept. */
function zigZag(raw: bigint, magnitude: boolean): bigint {
  const value = (raw >> 1n) ^ -(raw & 1n);
  return magnitude && value < 0n ? -(value + 1n) : value;
}
