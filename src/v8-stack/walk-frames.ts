import { smiValue } from "../heap/object-size.js";
import { baselineBytecodeOffset } from "./baseline-offset.js";
import { bytecodeHeaderSize } from "./bytecode-array.js";
import { codeAtPc } from "./code-at-pc.js";
import { type FrameValues, frameValues } from "./frame-values.js";
import { optimizedFunctions } from "./optimized-frames.js";
import { positionAt } from "./position-table.js";
import type { V8Reading } from "./v8-reading.js";

/** Frames walked at most: V8's own stack limit allows about 11,000 small frames; a report shows a few. */
export const MAX_FRAMES = 2000;

/** One JS frame as the walker read it. */
export interface WalkedFrame {
  /** As V8 names it in a stack trace: the receiver's constructor, then the function (`Server.emit`). */
  function: string;
  file?: string;
  line?: number;
  column?: number;
  /**
   * Where its function starts: V8's function token (`function`, `async`), as a stack trace's CallSite gives
   * it (getEnclosingLineNumber), where Node's source maps look up a frame's name. Absent where unknown.
   */
  functionStart?: { line: number; column: number };
  /** `call site` from the frame's bytecode offset; `unknown` where the walker could not place it. */
  position: "call site" | "unknown";
  /** How V8 ran it: `interpreted` (Ignition), `baseline` (Sparkplug), or `optimized` (Maglev, TurboFan). */
  tier: "interpreted" | "baseline" | "optimized";
  /** A function inlined into the optimized code of the frame that follows it. */
  inlined?: boolean;
  /**
   * The receiver and arguments the frame was called with, as its caller pushed them. Absent for a function
   * inlined into optimized code (V8 keeps its values in the optimized frame's registers and slots, where
   * they may be gone) and where the frame's argument count is unreadable: never guessed.
   */
  values?: FrameValues;
  frameAddress: number;
}

/**
 * Walks the frame-pointer chain from the last exit from JS (an exit frame's frame pointer) to the JS entry
 * that started this run of JS, and reads each JS frame on the way; typed frames (internal, construct,
 * stub) are stepped over. Stops at an entry frame, where the stack goes back to C++.
 */
export function walkFrames(reading: V8Reading, exitFrame: number, stackEnd: number): WalkedFrame[] {
  const { memory, layout } = reading;
  const frames: WalkedFrame[] = [];
  let fp = exitFrame;
  for (let count = 0; count < MAX_FRAMES; count++) {
    const callerFp = memory.word(fp);
    const pc = memory.word(fp + 8);
    if (callerFp === undefined || pc === undefined || callerFp <= fp || callerFp >= stackEnd) break;
    fp = callerFp;
    const marker = memory.word(fp + layout.contextOrType);
    if (marker === undefined) break;
    const type = layout.markedType(marker);
    if (layout.isEntry(type)) break;
    if (type !== undefined) continue;
    frames.push(...readJsFrame(reading, fp, pc));
  }
  return frames;
}

/**
 * The JS frames of one frame on the stack: one, or for optimized code the functions inlined into it too,
 * innermost first. `pc` is where the frame is in its code: the return address its callee saved.
 */
function readJsFrame(reading: V8Reading, fp: number, pc: number): WalkedFrame[] {
  const { memory, layout, names, scripts, strings, v8 } = reading;
  const fn = memory.word(fp + layout.function);
  const fnType = strings.typeOfTagged(fn);
  if (fn === undefined || !names.isFunction(fnType)) return [];
  const shared = memory.word(fn - 1 + layout.functionShared);
  if (shared === undefined || shared % 2 !== 1) return [];
  const name = displayName(reading, fp, names.functionName(fn) ?? "");
  const bytecode = memory.word(fp + layout.bytecodeArray);
  const isBytecode = strings.typeOfTagged(bytecode) === v8.type("BytecodeArray");
  const offsetSmi = smiValue(memory.word(fp + layout.bytecodeOffset));
  const tier = !isBytecode ? "optimized" : offsetSmi === undefined ? "baseline" : "interpreted";
  if (tier === "optimized") {
    const inlined = optimizedFrames(reading, fp, pc, name);
    if (inlined) return inlined;
  }
  const scriptOffset =
    bytecode === undefined
      ? undefined
      : tier === "interpreted" && offsetSmi !== undefined
        ? bytecodeScriptOffset(reading, bytecode, bytecodeOffsetOf(reading, offsetSmi))
        : tier === "baseline"
          ? baselineScriptOffset(reading, pc, bytecode)
          : undefined;
  const location = scripts.locate(shared, scriptOffset);
  const values = frameValues(reading, fp);
  const start = functionStart(reading, shared, location.file);
  return [
    {
      function: name,
      ...location,
      ...(start ? { functionStart: start } : {}),
      position: scriptOffset !== undefined && location.line !== undefined ? "call site" : "unknown",
      tier,
      ...(values ? { values } : {}),
      frameAddress: fp,
    },
  ];
}

/** Where a function of the app starts (its function token), as a line and column; not for Node's own scripts. */
function functionStart(
  reading: V8Reading,
  shared: number,
  file: string | undefined,
): { line: number; column: number } | undefined {
  if (file === undefined || file.startsWith("node:")) return undefined;
  const token = reading.scripts.tokenPosition(shared);
  const { line, column } = token === undefined ? {} : reading.scripts.locate(shared, token);
  return line !== undefined && column !== undefined ? { line, column } : undefined;
}

/**
 * An optimized frame's functions, innermost first, each placed through the bytecode offset its
 * deoptimization translation gives; the outermost is the frame's own function (`name`, with its receiver).
 */
function optimizedFrames(
  reading: V8Reading,
  fp: number,
  pc: number,
  name: string,
): WalkedFrame[] | undefined {
  const code = codeAtPc(reading, pc);
  if (code?.kind !== "maglev" && code?.kind !== "turbofan") return undefined;
  const functions = code ? optimizedFunctions(reading, code) : undefined;
  if (!functions) return undefined;
  // The frame's own function was called, and its caller pushed its receiver and arguments.
  const values = frameValues(reading, fp);
  return functions
    .map(({ shared, bytecodeOffset, bytecodeArray }, index): WalkedFrame => {
      const array = bytecodeArray ?? bytecodeArrayOf(reading, shared);
      const scriptOffset =
        array === undefined ? undefined : bytecodeScriptOffset(reading, array, bytecodeOffset);
      const location = reading.scripts.locate(shared, scriptOffset);
      const start = functionStart(reading, shared, location.file);
      return {
        function: index === 0 ? name : reading.names.sharedName(shared) || "<anonymous>",
        ...location,
        ...(start ? { functionStart: start } : {}),
        position: scriptOffset !== undefined && location.line !== undefined ? "call site" : "unknown",
        tier: "optimized",
        ...(index > 0 ? { inlined: true } : values ? { values } : {}),
        frameAddress: fp,
      };
    })
    .reverse();
}

/**
 * A function's BytecodeArray: its SharedFunctionInfo's function data, or held by it in one of its first
 * fields (baseline Code, InterpreterData, V8 14's BytecodeWrapper). Since V8 13 the trusted slot holds a
 * Smi where the untrusted one after it holds the data.
 */
function bytecodeArrayOf(reading: V8Reading, shared: number): number | undefined {
  const { memory, strings, v8 } = reading;
  const bytecodeType = v8.type("BytecodeArray");
  const at = v8.field("SharedFunctionInfo", "function_data", 8);
  let data = memory.word(shared - 1 + at);
  if (data !== undefined && data % 2 === 0) data = memory.word(shared - 1 + at + 8);
  if (data === undefined || data % 2 !== 1) return undefined;
  if (strings.typeOfTagged(data) === bytecodeType) return data;
  for (let field = 1; field <= 6; field++) {
    const inner = memory.word(data - 1 + field * 8);
    if (strings.typeOfTagged(inner) === bytecodeType) return inner;
  }
  return undefined;
}

/** An interpreted frame keeps its bytecode offset as a Smi counted from the tagged BytecodeArray. */
function bytecodeOffsetOf(reading: V8Reading, offsetSmi: number): number {
  return offsetSmi - (bytecodeHeaderSize(reading.v8) - 1);
}

/** A baseline frame's bytecode, from its pc (the return address the frame below it saved). */
function baselineScriptOffset(reading: V8Reading, pc: number, bytecode: number): number | undefined {
  const code = codeAtPc(reading, pc);
  if (code?.kind !== "baseline") return undefined;
  const offset = baselineBytecodeOffset(reading, code, bytecode);
  return offset === undefined ? undefined : bytecodeScriptOffset(reading, bytecode, offset);
}

/** Where in its script a frame at `bytecodeOffset` is, through the BytecodeArray's source position table. */
function bytecodeScriptOffset(
  reading: V8Reading,
  bytecode: number,
  bytecodeOffset: number,
): number | undefined {
  const { memory } = reading;
  const table = memory.word(bytecode - 1 + reading.v8Layout.bytecodePositionTableAt);
  if (table === undefined || table % 2 !== 1) return undefined;
  const length = smiValue(memory.word(table - 1 + 8));
  if (length === undefined || length <= 0 || length > 1 << 24) return undefined;
  const bytes = memory.bytes(table - 1 + 16, length);
  if (!bytes) return undefined;
  return positionAt(
    bytes,
    bytecodeOffset,
    { flagsBelowCodeDelta: reading.v8Layout.positionFlagsBelowCodeDelta },
    -1,
  )?.scriptOffset;
}

/**
 * V8 names a frame's function after its receiver's constructor where the receiver is an object
 * (`Server.emit`), and alone where it is undefined, a primitive or the global proxy.
 */
function displayName(reading: V8Reading, fp: number, name: string): string {
  const { memory, maps, names, strings } = reading;
  const shown = name === "" ? "<anonymous>" : name;
  const receiver = memory.word(fp + reading.layout.receiver);
  const type = strings.typeOfTagged(receiver);
  if (receiver === undefined || type < 0 || !names.isJSReceiver(type)) return shown;
  if (type === reading.v8.type("JSGlobalProxy") || type === reading.v8.type("JSGlobalObject")) return shown;
  const map = maps.maps[maps.indexOfTagged(memory.word(receiver - 1) ?? 0)];
  const typeName = map ? names.constructorName(map) : undefined;
  // A name V8 inferred from an assignment (`Module._compile`) is already qualified.
  return typeName && !names.isFunction(type) && !shown.includes(".") ? `${typeName}.${shown}` : shown;
}
