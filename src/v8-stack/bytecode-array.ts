import type { V8Constants } from "../heap/v8-constants.js";

/** Where a BytecodeArray's bytecodes start; V8 9 exports no header size: five tagged fields, three int32, two int8. */
export function bytecodeHeaderSize(v8: V8Constants): number {
  return v8.get("class_BytecodeArray__data__uintptr_t", 5 * 8 + 3 * 4 + 2);
}
