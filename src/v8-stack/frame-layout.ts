import type { V8Constants } from "../heap/v8-constants.js";

/**
 * Where V8 keeps what a stack walker reads in a frame, from the executable's own `v8dbg_off_fp_*` and
 * `v8dbg_frametype_*` constants: offsets are from the frame pointer, frame types are V8's StackFrame::Type
 * numbers. A frame's marker slot holds either a context (a JS frame: interpreted, baseline or optimized)
 * or a frame type as V8 marks it (the type shifted left by one: an even number).
 */
export class FrameLayout {
  readonly contextOrType: number;
  readonly function: number;
  readonly bytecodeArray: number;
  readonly bytecodeOffset: number;
  /** A JS frame's receiver, pushed by its caller above the return address; the arguments follow it. */
  readonly receiver: number;
  /** JSFunction's SharedFunctionInfo field, read for every JS frame. */
  readonly functionShared: number;
  /** Frame type number → V8's name of it (`ExitFrame`, `EntryFrame` …). */
  readonly typeNames = new Map<number, string>();

  constructor(v8: V8Constants) {
    this.contextOrType = v8.get("off_fp_context_or_frame_type", -8);
    this.function = v8.get("off_fp_function", -16);
    this.bytecodeArray = v8.get("off_fp_bytecode_array", -32);
    this.bytecodeOffset = v8.get("off_fp_bytecode_offset", -40);
    this.receiver = v8.get("off_fp_args", 16);
    this.functionShared = v8.field("JSFunction", "shared");
    for (const [name, value] of v8.named("frametype_")) this.typeNames.set(value, name);
  }

  /** The frame type a marker slot's word names, or undefined where it holds a context (a JS frame). */
  markedType(word: number): string | undefined {
    if (word % 2 !== 0 || word > 2 * 256) return undefined;
    return this.typeNames.get(word / 2);
  }

  /** Exit frames: where JS called into C++ (a runtime function, a builtin, an API callback). */
  isExit(type: string | undefined): boolean {
    return type !== undefined && /ExitFrame$/.test(type) && !/^Wasm/.test(type);
  }

  /** Entry frames: where C++ called into JS; the JS stack of that call ends there. */
  isEntry(type: string | undefined): boolean {
    return type === "EntryFrame" || type === "ConstructEntryFrame";
  }
}
