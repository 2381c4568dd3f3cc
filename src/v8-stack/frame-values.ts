import { smiValue } from "../heap/object-size.js";
import type { V8Reading } from "./v8-reading.js";

/** Arguments described of one frame at most; `argumentCount` says how many the call passed. */
export const MAX_ARGUMENTS = 8;
/** Characters of a string argument shown at most, as llnode clips them (16 by default). */
export const MAX_STRING_CHARS = 24;
/** More arguments than V8 lets a call pass (`Code::kMaxArguments`): a word that is no argument count. */
const MAX_ARGC = 65_535;

/** What a JS frame was called with, each value described briefly (`describeValue`). */
export interface FrameValues {
  /** `this`. */
  receiver: string;
  /** The first MAX_ARGUMENTS arguments passed, in order. */
  arguments: string[];
  /** How many arguments the call passed (V8's argc, the receiver not counted). */
  argumentCount: number;
}

/**
 * The receiver and arguments a JS frame's caller pushed for it: above the return address, the receiver
 * first, then the arguments in order (V8 pushes them reversed since V8 8.9), as many as the count the
 * callee's prologue saved below its function (V8_LAYOUTS' `argcAt`). Undefined where that count is no count.
 */
export function frameValues(reading: V8Reading, fp: number): FrameValues | undefined {
  const { memory, layout, v8Layout } = reading;
  const argc = memory.word(fp + v8Layout.argcAt);
  if (argc === undefined) return undefined;
  const count = argc - (v8Layout.argcIncludesReceiver ? 1 : 0);
  if (count < 0 || count > MAX_ARGC) return undefined;
  const at = (index: number) => memory.word(fp + layout.receiver + 8 * index);
  const shown = Math.min(count, MAX_ARGUMENTS);
  return {
    receiver: describeValue(reading, at(0)),
    arguments: Array.from({ length: shown }, (_, index) => describeValue(reading, at(index + 1))),
    argumentCount: count,
  };
}

/**
 * A JS value in a few words, as llnode's `v8 bt` shows a frame's: a number as JS prints it, `true`,
 * `null`, `undefined`, `<String: "…">` (clipped), `<Array: length N>`, `<Function: name>`,
 * `<Object: Constructor>`, and V8's own objects by their class (`<Symbol>`, `<BigInt>`).
 * The text is the dump's: escape it before it reaches a terminal.
 */
export function describeValue(reading: V8Reading, word: number | undefined): string {
  const { memory, maps, names, strings, v8 } = reading;
  const smi = smiValue(word);
  if (smi !== undefined) return String(smi);
  if (word === undefined || word % 2 !== 1) return "<unreadable>";
  const mapIndex = maps.indexOfTagged(memory.word(word - 1) ?? 0);
  const type = maps.maps[mapIndex]?.instanceType;
  if (type === undefined) return "<unreadable>";
  const typeName = v8.typeNames.get(type);
  if (names.isString(type)) {
    const text = strings.read(word, 0, MAX_STRING_CHARS + 1);
    if (text === undefined) return "<String>";
    const clipped = text.length > MAX_STRING_CHARS;
    return `<String: ${JSON.stringify(text.slice(0, MAX_STRING_CHARS))}${clipped ? "…" : ""}>`;
  }
  if (typeName === "HeapNumber") {
    const bytes = memory.bytes(word - 1 + v8.field("HeapNumber", "value", 8), 8);
    return bytes ? String(bytes.readDoubleLE(0)) : "<Number>";
  }
  if (typeName === "Oddball") return oddball(reading, word);
  if (typeName === "Hole") return "<hole>";
  if (names.isFunction(type)) return `<Function: ${names.functionName(word) || "(anonymous)"}>`;
  if (typeName === "JSArray") {
    const length = smiValue(memory.word(word - 1 + v8.field("JSArray", "length", 24)));
    return length === undefined ? "<Array>" : `<Array: length ${length}>`;
  }
  if (typeName === "JSGlobalProxy") return "<Global proxy>";
  if (typeName === "JSGlobalObject") return "<Global object>";
  if (names.isJSReceiver(type)) return `<Object: ${names.groupOf(mapIndex)}>`;
  return `<${typeName ?? `V8 type ${type}`}>`;
}

/** `true`, `false`, `null`, `undefined` by the Oddball's kind (`v8dbg_OddballTrue` …), else the kind's name. */
function oddball(reading: V8Reading, word: number): string {
  const { memory, v8 } = reading;
  const kind = smiValue(
    memory.word(word - 1 + v8.field("Oddball", "kind", v8.field("Oddball", "kind_offset", 40))),
  );
  for (const [name, value] of v8.named("Oddball")) {
    if (value !== kind) continue;
    if (name === "True" || name === "False" || name === "Null" || name === "Undefined")
      return name.toLowerCase();
    return `<${name}>`;
  }
  return "<Oddball>";
}
