import { open } from "node:fs/promises";
import type { NonZeroRun } from "../elf/nonzero-runs.js";
import { findMapUrls } from "../sourcemaps/map-reference.js";
import { type AbortText, AbortTextScan } from "./abort-text.js";
import { findFatalMessage, findLastGc, findMaxOldSpaceMb, type LastGc } from "./crash-text.js";
import type { JsFrame } from "./js-frame.js";
import { findNodeJsStack } from "./node-stack.js";

/** Everything V8 and Node printed, or kept, that is still in the core's memory. */
export interface CoreText {
  /** V8's uncaught-exception text (`--abort-on-uncaught-exception`). */
  abort: AbortText;
  /** Node's numbered `----- JavaScript stack trace -----` frames. */
  nodeStack: JsFrame[];
  fatal?: string;
  lastGc?: LastGc;
  maxOldSpaceMb?: number;
  /** The scripts' `sourceMappingURL`s the heap holds (distinct, at most MAP_URLS): inline maps among them. */
  mapUrls?: string[];
}

const MAP_URLS = 20;

/** Collects the core text piece by piece: the best copy of each thing, whichever window holds it. */
class CoreTextScan {
  private readonly abort = new AbortTextScan();
  private nodeStack: JsFrame[] = [];
  private fatal: string | undefined;
  private lastGc: LastGc | undefined;
  private maxOldSpaceMb: number | undefined;
  private readonly mapUrls = new Set<string>();

  add(text: string): void {
    this.abort.add(text);
    const stack = findNodeJsStack(text);
    if (stack.length > this.nodeStack.length) this.nodeStack = stack;
    this.fatal ??= findFatalMessage(text);
    this.lastGc = findLastGc(text) ?? this.lastGc;
    this.maxOldSpaceMb ??= findMaxOldSpaceMb(text);
    if (text.includes("sourceMappingURL="))
      for (const url of findMapUrls(text)) if (this.mapUrls.size < MAP_URLS) this.mapUrls.add(url);
  }

  result(): CoreText {
    const found: CoreText = {
      abort: this.abort.result(),
      nodeStack: this.nodeStack,
      mapUrls: [...this.mapUrls],
    };
    if (this.fatal !== undefined) found.fatal = this.fatal;
    if (this.lastGc !== undefined) found.lastGc = this.lastGc;
    if (this.maxOldSpaceMb !== undefined) found.maxOldSpaceMb = this.maxOldSpaceMb;
    return found;
  }
}

const WINDOW = 8 * 1024 * 1024;
/** Enough to hold a whole frame block that straddles two windows. */
const OVERLAP = 64 * 1024;
const PAGE = 4096;
const ZERO_PAGE = Buffer.alloc(PAGE);

/**
 * Scans a core for the text V8 and Node printed, window by window: over its non-zero runs where the caller
 * found them (nonZeroRuns: the rest is zeros, and holds no text), else over the whole file. Zero pages are
 * dropped before the text search, which then only reads pages that hold something.
 */
export async function scanCoreText(core: string, runs?: readonly NonZeroRun[]): Promise<CoreText> {
  const file = await open(core, "r");
  const scan = new CoreTextScan();
  try {
    const ranges = runs ? textRanges(runs) : [{ start: 0, end: Number.POSITIVE_INFINITY }];
    // As large as the longest range needs, not a whole window for a small core; each byte is read before use.
    const longest = ranges.reduce((most, range) => Math.max(most, range.end - range.start), 0);
    const buffer = Buffer.allocUnsafe(Math.min(WINDOW, longest) + OVERLAP);
    for (const range of ranges) {
      let carried = 0;
      for (let position = range.start; position < range.end; ) {
        const wanted = Math.min(WINDOW, range.end - position);
        const { bytesRead } = await file.read(buffer, carried, wanted, position);
        if (bytesRead === 0) break;
        position += bytesRead;
        const window = buffer.subarray(0, carried + bytesRead);
        scan.add(nonZeroText(window));
        carried = Math.min(OVERLAP, window.length);
        window.copy(buffer, 0, window.length - carried);
      }
    }
  } finally {
    await file.close();
  }
  return scan.result();
}

/**
 * The file ranges of the runs, and before them the headers and notes: a thread's saved registers
 * (NT_X86_XSTATE's vector registers) can hold a copy of printed text that memory no longer does.
 */
function textRanges(runs: readonly NonZeroRun[]): Array<{ start: number; end: number }> {
  const ranges = runs.map((run) => ({ start: run.offset, end: run.offset + run.end - run.start }));
  const firstRun = ranges.reduce((first, range) => Math.min(first, range.start), Number.POSITIVE_INFINITY);
  return [{ start: 0, end: Number.isFinite(firstRun) ? firstRun : Number.POSITIVE_INFINITY }, ...ranges];
}

function nonZeroText(window: Buffer): string {
  const parts: Buffer[] = [];
  for (let offset = 0; offset < window.length; offset += PAGE) {
    const page = window.subarray(offset, offset + PAGE);
    if (page.length < PAGE || !page.equals(ZERO_PAGE)) parts.push(page);
  }
  return Buffer.concat(parts).toString("latin1");
}
