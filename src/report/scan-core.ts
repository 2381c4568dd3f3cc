import { open } from "node:fs/promises";
import { type AbortText, AbortTextScan } from "./abort-text.js";

const WINDOW = 8 * 1024 * 1024;
/** Enough to hold a whole frame block that straddles two windows. */
const OVERLAP = 64 * 1024;
const PAGE = 4096;
const ZERO_PAGE = Buffer.alloc(PAGE);

/**
 * Scans a core for V8's abort text, window by window. Zero pages (most of a core) are dropped before the
 * text search, which then only reads pages that hold something.
 */
export async function scanCoreForAbortText(core: string): Promise<AbortText> {
  const file = await open(core, "r");
  const scan = new AbortTextScan();
  try {
    const buffer = Buffer.alloc(WINDOW + OVERLAP);
    let carried = 0;
    for (let position = 0; ; ) {
      const { bytesRead } = await file.read(buffer, carried, WINDOW, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const window = buffer.subarray(0, carried + bytesRead);
      scan.add(nonZeroText(window));
      carried = Math.min(OVERLAP, window.length);
      window.copy(buffer, 0, window.length - carried);
    }
  } finally {
    await file.close();
  }
  return scan.result();
}

function nonZeroText(window: Buffer): string {
  const parts: Buffer[] = [];
  for (let offset = 0; offset < window.length; offset += PAGE) {
    const page = window.subarray(offset, offset + PAGE);
    if (page.length < PAGE || !page.equals(ZERO_PAGE)) parts.push(page);
  }
  return Buffer.concat(parts).toString("latin1");
}
