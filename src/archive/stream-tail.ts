import type { Readable } from "node:stream";

/** The last bytes of a stream, and how many it held: memory stays near `maxBytes` however long it runs. */
export interface StreamTail {
  bytes: Buffer;
  total: number;
}

export async function tailOf(stream: Readable, maxBytes: number): Promise<StreamTail> {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let total = 0;
  for await (const piece of stream) {
    const chunk = piece as Buffer;
    total += chunk.length;
    kept.push(chunk);
    keptBytes += chunk.length;
    while (kept.length > 1 && keptBytes - (kept[0] as Buffer).length >= maxBytes) {
      keptBytes -= (kept.shift() as Buffer).length;
    }
  }
  const joined = Buffer.concat(kept, keptBytes);
  return { bytes: joined.length > maxBytes ? joined.subarray(joined.length - maxBytes) : joined, total };
}
