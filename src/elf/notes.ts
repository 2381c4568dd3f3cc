import { ByteView } from "./byte-view.js";

export const NT_GNU_BUILD_ID = 3;
export const NT_PRPSINFO = 3;
export const NT_AUXV = 6;
export const NT_FILE = 0x46494c45;
/** Go's linker writes its build ID as a note of owner `Go` and type 4 (`.note.go.buildid`). */
export const NT_GO_BUILD_ID = 4;

export interface ElfNote {
  name: string;
  type: number;
  desc: Buffer;
}

/**
 * The notes in a PT_NOTE segment. Name and descriptor are padded to 4 bytes in both classes (what Linux
 * and every toolchain write in cores and executables).
 * A truncated segment yields the notes that are whole.
 */
export function parseNotes(segment: Buffer, littleEndian: boolean): ElfNote[] {
  return [...eachNote(segment, littleEndian)];
}

/** The notes of a PT_NOTE segment one by one, as parseNotes reads them. */
export function* eachNote(segment: Buffer, littleEndian: boolean): Generator<ElfNote> {
  const view = new ByteView(segment, littleEndian, false);
  let at = 0;
  while (at + 12 <= segment.length) {
    const nameSize = view.u32(at);
    const descSize = view.u32(at + 4);
    const type = view.u32(at + 8);
    const nameStart = at + 12;
    const descStart = nameStart + roundUp(nameSize, 4);
    const descEnd = descStart + descSize;
    if (descEnd > segment.length) break;
    const rawName = segment.subarray(nameStart, nameStart + nameSize);
    const name = rawName.subarray(0, rawName.indexOf(0) === -1 ? rawName.length : rawName.indexOf(0));
    yield { name: name.toString("latin1"), type, desc: segment.subarray(descStart, descEnd) };
    at = descStart + roundUp(descSize, 4);
  }
}

/** The GNU build-id of a set of notes, as lower-case hex. */
export function buildIdOf(notes: readonly ElfNote[]): string | undefined {
  const note = notes.find((candidate) => candidate.name === "GNU" && candidate.type === NT_GNU_BUILD_ID);
  return note && note.desc.length > 0 ? note.desc.toString("hex") : undefined;
}

/**
 * The Go build ID of a set of notes, as the text Go writes (`actionID/contentID…`, printable ASCII): what
 * `go tool buildid` prints. Undefined when there is none, or when it holds anything but printable text.
 */
export function goBuildIdOf(notes: readonly ElfNote[]): string | undefined {
  const note = notes.find((candidate) => candidate.name === "Go" && candidate.type === NT_GO_BUILD_ID);
  const text = note?.desc.toString("latin1");
  return text && /^[\x21-\x7e]{1,512}$/.test(text) ? text : undefined;
}

function roundUp(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}
