import { ByteView } from "./byte-view.js";

export const AT_PHDR = 3;
export const AT_ENTRY = 9;
/** The path the program was executed as (a string on the initial stack). */
export const AT_EXECFN = 31;

/** The auxiliary vector (NT_AUXV): pairs of words, type then value, ending with AT_NULL. */
export function parseAuxv(desc: Buffer, littleEndian: boolean, is64: boolean): Map<number, number> {
  const view = new ByteView(desc, littleEndian, is64);
  const entries = new Map<number, number>();
  for (let at = 0; at + 2 * view.wordSize <= desc.length; at += 2 * view.wordSize) {
    const type = view.word(at);
    if (type === 0) break;
    entries.set(type, view.word(at + view.wordSize));
  }
  return entries;
}
