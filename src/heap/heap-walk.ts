import { type CoreMemory, type Segment, wordAt } from "./core-memory.js";
import { growableFloat64, growableInt32, growableUint32 } from "./growable.js";
import type { MapTable } from "./map-table.js";
import type { ObjectSizer } from "./object-size.js";

/** V8 allocates its heap in chunks of 256 KiB aligned to their size; large objects get bigger chunks. */
export const CHUNK_SIZE = 256 * 1024;
const HEADER_SEARCH_WORDS = 8;
const MAX_HEADER_BYTES = 0x2000;

/** Every object the walk found, in address order, one entry per object in each typed array. */
export interface HeapObjects {
  address: Float64Array;
  /** Index into the MapTable. */
  map: Int32Array;
  /** Bytes (V8's objects are smaller than 4 GiB). */
  size: Uint32Array;
  /** Objects whose size no rule could give: they end where the next object's map word is found. */
  resyncs: number;
  /**
   * Of those, objects whose own fields gave a size past the end of their page (or, a page's first object,
   * past its mapping's): a length that V8 never wrote, cut as `resyncs` are.
   */
  oversized: number;
  /** The V8 chunks walked, in address order: header and objects, large objects to their end. */
  pages: Array<{ start: number; areaStart: number; end: number }>;
}

/**
 * Where a chunk's objects start and end. V8 10 to 12 keep both in the chunk's header (after its size,
 * flags and heap pointer, in an order that changed); V8 13 moved the header's metadata out of the chunk,
 * which keeps two words only, so that its objects start at the third word. A chunk that matches neither
 * (malloc memory, a large object's tail) is not a page.
 */
export function pageArea(
  segment: Segment,
  chunk: number,
  isMapWord: (word: number) => boolean,
): PageArea | undefined {
  if (chunk + 8 * (HEADER_SEARCH_WORDS + 1) > segment.end) return undefined;
  for (let index = 1; index < HEADER_SEARCH_WORDS; index++) {
    const start = wordAt(segment, chunk + index * 8);
    const end = wordAt(segment, chunk + index * 8 + 8);
    if (start < chunk + 16 || start >= chunk + MAX_HEADER_BYTES || start % 8 !== 0 || end <= start) continue;
    if (end > chunk + 2 ** 34 || start >= segment.end) continue;
    const first = wordAt(segment, start);
    if (isMapWord(first) || first === 0) return { start, end: Math.min(end, segment.end), limit: end };
  }
  if (isMapWord(wordAt(segment, chunk + 16))) {
    return { start: chunk + 16, end: Math.min(chunk + CHUNK_SIZE, segment.end) };
  }
  return undefined;
}

/** A page's objects: from `start` to `end` within the segment; `limit` the end its header gives, if any. */
export interface PageArea {
  start: number;
  end: number;
  limit?: number;
}

/**
 * How far an object may reach: to the end of its page as the header gives it (a large page's header gives
 * its object's end); without a header (V8 13), to the chunk's end, and a page's first object (a large
 * object) to the end of its mapping.
 */
function objectLimit(area: PageArea, chunk: number, segment: Segment, firstOfPage: boolean): number {
  if (area.limit !== undefined) return area.limit;
  return firstOfPage ? segment.loadEnd : chunk + CHUNK_SIZE;
}

/**
 * Walks every V8 page of the core object after object, each sized as V8 sizes it. A size that does not
 * land on another object (or on the page's unused tail) is not trusted: the walk then looks for the next
 * map word, which is how it also steps over a linear allocation area that was never filled.
 */
export function walkHeap(memory: CoreMemory, maps: MapTable, sizer: ObjectSizer): HeapObjects {
  const addresses = growableFloat64();
  const mapIndexes = growableInt32();
  const sizes = growableUint32();
  let resyncs = 0;
  let oversized = 0;
  const pages: Array<{ start: number; areaStart: number; end: number }> = [];
  const isMapWord = (word: number) => (word & 3) === 1 && maps.isMapAddress(word - 1);
  // The segment being walked is read from directly, the rest through the memory.
  let segment: Segment | undefined;
  let words: Uint32Array = new Uint32Array(0);
  const read = (address: number) => {
    if (!segment || address < segment.start || address + 8 > segment.end) return memory.word(address);
    const word = (address - segment.start) / 4;
    return (words[word] as number) + (words[word + 1] as number) * 2 ** 32;
  };
  for (segment of memory.segments) {
    words = segment.words;
    const segmentStart = segment.start;
    let at = Math.ceil(segmentStart / CHUNK_SIZE) * CHUNK_SIZE;
    let areaEnd = at;
    let area: PageArea = { start: at, end: at };
    let chunk = at;
    let page: { start: number; areaStart: number; end: number } | undefined;
    while (at < segment.end) {
      if (at >= areaEnd) {
        chunk = Math.ceil(at / CHUNK_SIZE) * CHUNK_SIZE;
        if (chunk >= segment.end) break;
        const found = pageArea(segment, chunk, isMapWord);
        if (!found) {
          at = chunk + CHUNK_SIZE;
          areaEnd = at;
          continue;
        }
        area = found;
        page = { start: chunk, areaStart: area.start, end: area.end };
        pages.push(page);
        at = area.start;
        areaEnd = area.end;
      }
      // The map word's two halves, read from the segment (the hot path: once per object).
      const offset = (at - segmentStart) / 4;
      const low = words[offset] as number;
      const mapIndex =
        (low & 3) !== 1 || at + 8 > segment.end ? -1 : maps.indexOfWords(low, words[offset + 1] as number);
      if (mapIndex < 0) {
        at += 8;
        continue;
      }
      const map = maps.maps[mapIndex];
      let size = map ? sizer.sizeOf(at, map, read) : undefined;
      const firstOfPage = at === page?.areaStart;
      const doubtful =
        map !== undefined &&
        sizer.isGuess(map) &&
        !landsOnObject(segment, at + (size ?? 0), areaEnd, firstOfPage, isMapWord);
      const past = size !== undefined && at + size > objectLimit(area, chunk, segment, firstOfPage);
      if (size === undefined || size < 8 || doubtful || past) {
        size = distanceToNextMapWord(segment, at, areaEnd, isMapWord);
        resyncs++;
        // A guessed size that does not fit was never trusted; a size from the object's own fields was.
        if (past && !doubtful) oversized++;
      }
      addresses.push(at);
      mapIndexes.push(mapIndex);
      sizes.push(size);
      at += size;
      if (page && at > page.end) page.end = at;
    }
  }
  const address = addresses.toArray();
  const map = mapIndexes.toArray();
  return {
    address,
    map,
    size: sizes.toArray(),
    resyncs,
    oversized,
    pages,
  };
}

/**
 * A guessed end is right when another object or the end of the page follows; only a page's first object
 * (a large object) may end beyond the page.
 */
function landsOnObject(
  segment: Segment,
  end: number,
  areaEnd: number,
  firstOfPage: boolean,
  isMapWord: (word: number) => boolean,
): boolean {
  if (end > segment.end) return false;
  if (end >= areaEnd) return end === areaEnd || firstOfPage;
  return isMapWord(wordAt(segment, end));
}

function distanceToNextMapWord(
  segment: Segment,
  start: number,
  areaEnd: number,
  isMapWord: (word: number) => boolean,
): number {
  const limit = Math.min(areaEnd, segment.end);
  for (let at = start + 8; at < limit; at += 8) {
    if (isMapWord(wordAt(segment, at))) return at - start;
  }
  return Math.max(8, limit - start);
}
