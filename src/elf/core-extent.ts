import {
  ET_CORE,
  NotElfError,
  parseElfHeader,
  parseProgramHeaders,
  programHeaderRange,
  type ReadAt,
  withProgramCount,
} from "./elf-header.js";
import { withFile } from "./random-access.js";

/** A core file's size against where its own headers say its last byte lies. */
export interface CoreExtent {
  size: number;
  /** The end of the furthest segment or of the program header table, whichever is later. */
  expected: number;
}

/**
 * How much of the core its headers describe: a core cut short (an upload that stopped, a full disk on
 * the node) still opens, but its segments past the end read as nothing. Undefined for what is not an
 * ELF core. Two small reads: the ELF header and the program header table.
 */
export async function extentOf(readAt: ReadAt, size: number, what: string): Promise<CoreExtent | undefined> {
  let header: ReturnType<typeof parseElfHeader>;
  try {
    header = parseElfHeader(await readAt(0, 64), what);
  } catch (error) {
    if (error instanceof NotElfError) return undefined;
    throw error;
  }
  if (header.type !== ET_CORE) return undefined;
  header = await withProgramCount(header, readAt, what);
  const table = programHeaderRange(header);
  const bytes = table.start < size ? await readAt(table.start, table.end - table.start) : Buffer.alloc(0);
  const programs = bytes.length === table.end - table.start ? parseProgramHeaders(bytes, header) : [];
  const expected = programs.reduce(
    (end, program) => Math.max(end, program.offset + program.filesz),
    Math.max(table.end, header.shoff > 0 ? header.shoff + header.shentsize : 0),
  );
  return { size, expected };
}

/** The extent of a core file on disk. */
export function coreExtent(path: string): Promise<CoreExtent | undefined> {
  return withFile(path, (file) => extentOf((offset, length) => file.readAt(offset, length), file.size, path));
}

/** `truncated core: N of M bytes`, as coredumpctl says it, or undefined for a whole core. */
export function truncationNote(extent: CoreExtent | undefined): string | undefined {
  if (!extent || extent.size >= extent.expected) return undefined;
  return `truncated core: ${extent.size} of ${extent.expected} bytes (the upload or the dump was cut short; memory past the end reads as missing)`;
}
