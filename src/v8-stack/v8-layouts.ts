import { type TranslationFormat, translationFormats } from "./translations.js";

/**
 * What the stack walker needs of a V8 that V8 does not export in its `v8dbg_*` constants, by V8 major:
 * the axis along which Node majors differ, as one table. A new Node major is a row of NODE_V8 (and a row
 * of V8_LAYOUTS where its V8 changed one of these); a Node newer than the table is read with the newest
 * row and its frames checked against what the core shows (docs/node-versions.md).
 */
export interface V8Layout {
  v8Major: number;
  /** Where a BytecodeArray keeps its source position table: after length, constant pool and handler table
   * until V8 12 made it a trusted object with the table right after length and wrapper. */
  bytecodePositionTableAt: number;
  /** V8 14 writes a position table's code distances unsigned with two flag bits below (src/v8-stack/position-table.ts). */
  positionFlagsBelowCodeDelta: boolean;
  /** A Code's data field (deoptimization data, or a baseline code's BytecodeArray): after the map since V8 12, after the relocation info before. */
  codeDataAt: number;
  /** How deoptimization translations are written (V8 14 writes 13's). */
  translation: TranslationFormat;
  /** Maglev's safepoint table header starts with the number of stack slots since V8 13. */
  maglevSlotsFirst: boolean;
  /** Where a JS frame keeps the argument count its caller passed, below its function (V8's
   * StandardFrameConstants::kArgCOffset): a plain integer, every tier's prologue pushes it. */
  argcAt: number;
  /** Whether that count counts the receiver too (V8's kJSArgcIncludesReceiver). */
  argcIncludesReceiver: boolean;
}

/** Node major → the V8 major of its official builds. */
const NODE_V8: ReadonlyArray<[node: number, v8: number]> = [
  [18, 10],
  [20, 11],
  [22, 12],
  [24, 13],
  [26, 14],
];

const V8_LAYOUTS: readonly V8Layout[] = [
  {
    v8Major: 10,
    bytecodePositionTableAt: 32,
    positionFlagsBelowCodeDelta: false,
    codeDataAt: 16,
    translation: translationFormats[10],
    maglevSlotsFirst: false,
    argcAt: -24,
    argcIncludesReceiver: true,
  },
  {
    v8Major: 11,
    bytecodePositionTableAt: 32,
    positionFlagsBelowCodeDelta: false,
    codeDataAt: 16,
    translation: translationFormats[11],
    maglevSlotsFirst: false,
    argcAt: -24,
    argcIncludesReceiver: true,
  },
  {
    v8Major: 12,
    bytecodePositionTableAt: 24,
    positionFlagsBelowCodeDelta: false,
    codeDataAt: 8,
    translation: translationFormats[12],
    maglevSlotsFirst: false,
    argcAt: -24,
    argcIncludesReceiver: true,
  },
  {
    v8Major: 13,
    bytecodePositionTableAt: 24,
    positionFlagsBelowCodeDelta: false,
    codeDataAt: 8,
    translation: translationFormats[13],
    maglevSlotsFirst: true,
    argcAt: -24,
    argcIncludesReceiver: true,
  },
  {
    v8Major: 14,
    bytecodePositionTableAt: 24,
    positionFlagsBelowCodeDelta: true,
    codeDataAt: 8,
    translation: translationFormats[13],
    maglevSlotsFirst: true,
    argcAt: -24,
    argcIncludesReceiver: true,
  },
];

/**
 * The layout of the V8 in Node `nodeMajor`: its own row, else the newest row older than it (a Node
 * newer than the table, tried); undefined for a Node older than the table.
 */
export function v8LayoutOf(nodeMajor: number): V8Layout | undefined {
  const known = [...NODE_V8].reverse().find(([node]) => node <= nodeMajor);
  if (!known) return undefined;
  return [...V8_LAYOUTS].reverse().find((layout) => layout.v8Major <= known[1]);
}
