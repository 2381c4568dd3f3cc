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
 * Mappings read of an NT_FILE note at most. Linux writes no more than 65,535 (the note's limit of 4 MiB
 * at 64 bytes a mapping), and a process has at most 65,530 mappings unless `vm.max_map_count` is raised.
 */
export const MAX_FILE_MAPPINGS = 65_536;

/**
 * NT_FILE: count and page size as words, then (start, end, offset in pages) per mapping, then the paths,
 * each NUL-terminated, in the same order. At most `limit` mappings are parsed (the first ones).
 */
export function parseNtFile(
  desc: Buffer,
  littleEndian: boolean,
  is64: boolean,
  limit = Number.POSITIVE_INFINITY,
): FileMapping[] {
  const view = new ByteView(desc, littleEndian, is64);
  const word = view.wordSize;
  if (desc.length < 2 * word) return [];
  const count = view.word(0);
  const pageSize = view.word(word);
  let namesAt = 2 * word + count * 3 * word;
  if (namesAt > desc.length) return [];
  const mappings: FileMapping[] = [];
  for (let index = 0; index < Math.min(count, limit); index++) {
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

/**
 * The file mappings of an NT_FILE note as they can be used: in address order, each address in one mapping
 * at most (a mapping that repeats or overlaps a lower one, or is empty, is left out), and no more than
 * MAX_FILE_MAPPINGS of them; with a note of what was left out. Linux's notes are unchanged by this.
 */
export function fileMappingsOf(
  desc: Buffer,
  littleEndian: boolean,
  is64: boolean,
): { mappings: FileMapping[]; notes: string[] } {
  const parsed = parseNtFile(desc, littleEndian, is64, MAX_FILE_MAPPINGS);
  const listed = desc.length < (is64 ? 8 : 4) ? 0 : new ByteView(desc, littleEndian, is64).word(0);
  const sorted = parsed
    .map((mapping, index) => ({ mapping, index }))
    .sort((a, b) => a.mapping.start - b.mapping.start || a.index - b.index);
  const mappings: FileMapping[] = [];
  let reached = -Infinity;
  for (const { mapping } of sorted) {
    if (mapping.end <= mapping.start || mapping.start < reached) continue;
    mappings.push(mapping);
    reached = mapping.end;
  }
  const notes: string[] = [];
  if (parsed.length > 0 && listed > parsed.length)
    notes.push(
      `the core lists ${listed.toLocaleString("en")} file mappings (NT_FILE), more than any process has: the first ${parsed.length.toLocaleString("en")} read`,
    );
  const left = parsed.length - mappings.length;
  if (left > 0)
    notes.push(
      `${left.toLocaleString("en")} of the core's file mappings (NT_FILE) repeat or overlap another, or are empty: left out (the core was edited or is corrupted)`,
    );
  return { mappings, notes };
}
