import { ByteView } from "./byte-view.js";

/** One file mapping of the crashed process, from the core's NT_FILE note. */
export interface FileMapping {
  start: number;
  end: number;
  /** Offset in the file, in bytes. */
  fileOffset: number;
  path: string;
}

/**
 * NT_FILE: count and page size as words, then (start, end, offset in pages) per mapping, then the paths,
 * each NUL-terminated, in the same order.
 */
export function parseNtFile(desc: Buffer, littleEndian: boolean, is64: boolean): FileMapping[] {
  const view = new ByteView(desc, littleEndian, is64);
  const word = view.wordSize;
  if (desc.length < 2 * word) return [];
  const count = view.word(0);
  const pageSize = view.word(word);
  let namesAt = 2 * word + count * 3 * word;
  if (namesAt > desc.length) return [];
  const mappings: FileMapping[] = [];
  for (let index = 0; index < count; index++) {
    const at = 2 * word + index * 3 * word;
    const nameEnd = desc.indexOf(0, namesAt);
    const path = desc.subarray(namesAt, nameEnd === -1 ? desc.length : nameEnd).toString("utf8");
    namesAt = nameEnd === -1 ? desc.length : nameEnd + 1;
    mappings.push({
      start: view.word(at),
      end: view.word(at + word),
      fileOffset: view.word(at + 2 * word) * pageSize,
      path,
    });
  }
  return mappings;
}
