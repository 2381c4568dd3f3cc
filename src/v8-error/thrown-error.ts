import { FieldNames } from "../heap/map-fields.js";
import type { V8Reading } from "../v8-stack/v8-reading.js";

/** An Error object read from the heap: its class, its message, and the stack V8 formatted for it. */
export interface HeapErrorObject {
  type: string;
  message: string;
  /** The text of its `stack` where V8 had formatted it (Node prints an error through it). */
  formattedStack?: string;
}

/** Slots of the stack read at most above the last exit from JS: the top JS frames' arguments and registers. */
const MAX_SLOTS = 4096;
/** Properties of an error read at most, in the object and in its property array. */
const MAX_FIELDS = 64;

/**
 * The error being thrown when the process died: the first JSError above the crashed thread's last exit
 * from JS, where the throwing code holds it (an argument of the runtime call that throws it, or of
 * `triggerUncaughtException`, or a register of the frame that made the call). V8's own record of the
 * pending exception is written only after the abort that made the core, so it is not looked for there.
 */
export function thrownError(
  reading: V8Reading,
  from: number,
  to: number,
  /**
   * The C++ frames below the exit from JS hold V8's handles: a slot's address, the object in the slot. An
   * error that V8 made in C++ (`x is not a function`) is held there only.
   */
  throughHandles = false,
): HeapErrorObject | undefined {
  const { memory, strings, v8 } = reading;
  const errorType = v8.type("JSError");
  if (errorType < 0) return undefined;
  const isError = (word: number | undefined): word is number =>
    word !== undefined && word % 2 === 1 && strings.typeOfTagged(word) === errorType;
  const end = Math.min(to, from + MAX_SLOTS * 8);
  for (let at = from - (from % 8); at < end; at += 8) {
    const word = memory.word(at);
    const held = isError(word)
      ? word
      : throughHandles && word !== undefined && word % 8 === 0
        ? memory.word(word)
        : undefined;
    if (!isError(held)) continue;
    const error = readError(reading, held);
    if (error) return error;
  }
  return undefined;
}

function readError(reading: V8Reading, tagged: number): HeapErrorObject | undefined {
  const { memory, maps, names, strings } = reading;
  const mapIndex = maps.indexOfTagged(memory.word(tagged - 1) ?? 0);
  const map = maps.maps[mapIndex];
  if (!map) return undefined;
  const type = names.constructorName(map) ?? "Error";
  const fields = new FieldNames(memory, maps, strings, reading.v8).of(mapIndex);
  const values: Array<{ name: string | undefined; value: number | undefined }> = [];
  const propertiesAt = reading.v8.field("JSReceiver", "raw_properties_or_hash", 8);
  const properties = memory.word(tagged - 1 + propertiesAt);
  for (let index = 0; index < Math.min(MAX_FIELDS, fields.names.length); index++) {
    const value =
      index < fields.inobject
        ? memory.word(tagged - 1 + map.instanceSize - (fields.inobject - index) * 8)
        : properties !== undefined && properties % 2 === 1
          ? memory.word(properties - 1 + 16 + (index - fields.inobject) * 8)
          : undefined;
    values.push({ name: fields.names[index], value });
  }
  const message = strings.read(values.find((field) => field.name === "message")?.value, 0, 64 * 1024);
  if (message === undefined) return undefined;
  const error: HeapErrorObject = { type, message };
  const formatted = formattedStackOf(
    reading,
    values.map((field) => field.value),
    `${type}: `,
  );
  if (formatted) error.formattedStack = formatted;
  return error;
}

/**
 * The stack string V8 formatted for the error: a field holding it, or held by the ErrorStackData in one of
 * its fields (V8 12 and later keep the formatted stack there once it was asked for).
 */
function formattedStackOf(
  reading: V8Reading,
  values: Array<number | undefined>,
  prefix: string,
): string | undefined {
  const { memory, strings, v8 } = reading;
  const stackDataType = v8.type("ErrorStackData");
  const candidates: Array<number | undefined> = [...values];
  for (const value of values) {
    if (strings.typeOfTagged(value) !== stackDataType || value === undefined) continue;
    for (let slot = 1; slot <= 3; slot++) candidates.push(memory.word(value - 1 + slot * 8));
  }
  for (const candidate of candidates) {
    if (!strings.isString(candidate)) continue;
    const text = strings.read(candidate, 0, 256 * 1024);
    if (text?.startsWith(prefix) || text?.includes("\n    at ")) return text;
  }
  return undefined;
}
