import {
  ET_CORE,
  NotElfError,
  parseElfHeader,
  parseProgramHeaders,
  programHeaderRange,
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
 * ELF core.
 */
export async function coreExtent(path: string): Promise<CoreExtent | undefined> {
  return withFile(path, async (file) => {
    let header: ReturnType<typeof parseElfHeader>;
    try {
      header = parseElfHeader(await file.readAt(0, 64), path);
    } catch (error) {
      if (error instanceof NotElfError) return undefined;
      throw error;
    }
    if (header.type !== ET_CORE) return undefined;
    const table = programHeaderRange(header);
    const bytes = await file.readAt(table.start, table.end - table.start);
    const whole = bytes.length === table.end - table.start;
    const programs = whole ? parseProgramHeaders(bytes, header) : [];
    const expected = programs.reduce(
      (end, program) => Math.max(end, program.offset + program.filesz),
      table.end,
    );
    return { size: file.size, expected };
  });
}

/** `truncated core: 3.0 MB of 54 MB`, as coredumpctl says it, or undefined for a whole core. */
export function truncationNote(extent: CoreExtent | undefined): string | undefined {
  if (!extent || extent.size >= extent.expected) return undefined;
  return `truncated core: ${extent.size} of ${extent.expected} bytes (the upload or the dump was cut short; memory past the end reads as missing)`;
}
