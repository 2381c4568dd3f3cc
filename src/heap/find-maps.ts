import type { CoreMemory } from "./core-memory.js";
import type { V8Constants } from "./v8-constants.js";

const TWO_32 = 2 ** 32;

/**
 * Every V8 Map in the core. A meta map is the Map whose own map word points at itself; every Map's map
 * word points at a meta map (one per native context, one in read-only space). Both are found by one
 * scan of the words each; a meta map is checked by the instance type it describes (MAP_TYPE).
 */
export function findMaps(memory: CoreMemory, v8: V8Constants): Set<number> {
  const mapType = v8.type("Map");
  const typeOffset = v8.field("Map", "instance_type");
  const isMap = (address: number) => instanceTypeAt(memory, address, typeOffset) === mapType;
  const metaMaps = new Set<number>();
  forEachWord(memory, (at, value) => {
    if (value === at + 1 && isMap(at)) metaMaps.add(at);
  });
  const maps = new Set<number>(metaMaps);
  forEachWord(memory, (at, value) => {
    if (metaMaps.has(value - 1)) maps.add(at);
  });
  return maps;
}

export function instanceTypeAt(memory: CoreMemory, map: number, typeOffset: number): number | undefined {
  const segment = memory.segmentOf(map + typeOffset);
  if (!segment) return undefined;
  const byte = map + typeOffset - segment.start;
  const word = segment.words[byte >>> 2] as number;
  return (byte & 2) === 0 ? word & 0xffff : word >>> 16;
}

/** Calls `visit` for each odd 64-bit word (a tagged pointer's shape) of the memory, with its address. */
function forEachWord(memory: CoreMemory, visit: (address: number, value: number) => void): void {
  for (const segment of memory.segments) {
    const words = segment.words;
    for (let index = 0; index < words.length; index += 2) {
      const low = words[index] as number;
      if ((low & 3) !== 1) continue;
      visit(segment.start + index * 4, low + (words[index + 1] as number) * TWO_32);
    }
  }
}
