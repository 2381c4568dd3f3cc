/**
 * A deterministic core-like file for the fetch benchmark: what a crashed process's memory looks like to
 * a compressor. Pages of 4 KiB in runs, by share of pages:
 *
 * - about 70% zero pages (untouched heap, BSS, stacks, guard gaps), in runs of 1 to 511 pages;
 * - about 19% text-like pages: log lines, JSON and heap objects (8-byte words: tagged small integers,
 *   pointers near one another, repeated map words, zero words), in runs of 1 to 63 pages;
 * - about 11% random pages (compressed or encrypted buffers, hashes, already-packed data), 1 to 63 pages.
 *
 * Of 1 GiB of it, GNU gzip -3 makes 185 MB and a zip (Deflate, zlib's default level) 176 MB, near the
 * issue's 171 MB. The structure comes from a seeded PRNG (mulberry32) and the random bytes from
 * AES-256-CTR keyed by the seed, so the same seed and size give the same bytes, and the first N bytes do
 * not depend on the size. Zero runs are left as holes: the file takes about a third of its size on disk.
 */
import { createCipheriv, createHash } from "node:crypto";
import { closeSync, ftruncateSync, openSync, writeSync } from "node:fs";

const PAGE = 4096;
/** Bump when the bytes change: the benchmark names its files and objects after it. */
export const CORELIKE_VERSION = 1;

type Kind = "zero" | "text" | "random";
/** Share of pages and mean run length, in pages. */
const KINDS: Array<{ kind: Kind; share: number; mean: number }> = [
  { kind: "zero", share: 0.7, mean: 256 },
  { kind: "text", share: 0.19, mean: 32 },
  { kind: "random", share: 0.11, mean: 32 },
];

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CoreLike {
  size: number;
  sha256: string;
  /** Bytes of non-zero pages. */
  dataBytes: number;
}

/** Writes `size` bytes (a multiple of 4 KiB) of core-like data to `path`, zero runs as holes. */
export function writeCoreLike(path: string, size: number, seed = 20251126): CoreLike {
  if (size % PAGE !== 0) throw new Error(`size ${size} is not a multiple of ${PAGE}`);
  const random = mulberry32(seed);
  const key = createHash("sha256").update(`corelike:${seed}`).digest();
  const cipher = createCipheriv("aes-256-ctr", key, Buffer.alloc(16));
  const text = new TextPages(random);
  const hash = createHash("sha256");
  const zeros = Buffer.alloc(1024 * 1024);
  const weights = KINDS.map(({ share, mean }) => share / mean);
  const total = weights.reduce((a, b) => a + b, 0);
  const fd = openSync(path, "w", 0o644);
  let dataBytes = 0;
  try {
    let position = 0;
    let first = true;
    while (position < size) {
      let pick = random() * total;
      let index = 0;
      while (index < KINDS.length - 1 && pick >= (weights[index] ?? 0)) pick -= weights[index++] ?? 0;
      const { kind: chosen, mean } = KINDS[index] as (typeof KINDS)[number];
      const kind: Kind = first ? "text" : chosen;
      first = false;
      const pages = 1 + Math.floor(random() * (2 * mean - 1));
      const bytes = Math.min(pages * PAGE, size - position);
      if (kind === "zero") {
        for (let done = 0; done < bytes; done += zeros.length)
          hash.update(zeros.subarray(0, Math.min(zeros.length, bytes - done)));
      } else {
        const data = kind === "random" ? cipher.update(Buffer.alloc(bytes)) : text.fill(bytes);
        if (position === 0) elfHeader().copy(data);
        hash.update(data);
        for (let done = 0; done < data.length; )
          done += writeSync(fd, data, done, data.length - done, position + done);
        dataBytes += bytes;
      }
      position += bytes;
    }
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
  return { size, sha256: hash.digest("hex"), dataBytes };
}

const WORDS = (
  "the request response handler error warning info debug user session cart order payment item price " +
  "total status pending failed retry timeout connection socket buffer stream promise async await " +
  "function return const let var this null undefined true false object array string number map set " +
  "catalog search query index shard replica node pod container image namespace service ingress " +
  "http https get post put delete header body json content type length accept encoding gzip"
).split(" ");
const LEVELS = ["INFO ", "DEBUG", "WARN ", "ERROR"];
const PATHS = ["/api/cart", "/api/orders", "/api/search", "/api/users", "/healthz", "/metrics", "/api/items"];

/** Text and heap-object pages: gzip -3 compresses them about 3.7:1, as it does real heaps' live data. */
class TextPages {
  private clock = 1764147243123;
  constructor(private readonly random: () => number) {}

  fill(bytes: number): Buffer {
    const buffer = Buffer.alloc(bytes);
    for (let page = 0; page < bytes; page += PAGE) {
      const style = this.random();
      const end = Math.min(bytes, page + PAGE);
      if (style < 0.45) this.heapObjects(buffer, page, end);
      else this.lines(buffer, page, end, style < 0.8 ? "log" : "json");
    }
    return buffer;
  }

  private int(below: number): number {
    return Math.floor(this.random() * below);
  }

  private hex(digits: number): string {
    let out = "";
    for (let i = 0; i < digits; i++) out += "0123456789abcdef"[this.int(16)];
    return out;
  }

  private word(): string {
    return WORDS[this.int(WORDS.length)] as string;
  }

  private lines(buffer: Buffer, start: number, end: number, style: "log" | "json"): void {
    let offset = start;
    while (offset < end) {
      this.clock += this.int(40);
      const line =
        style === "log"
          ? `${new Date(this.clock).toISOString()} ${LEVELS[this.int(4)]} ${PATHS[this.int(PATHS.length)]}/${this.int(1000)} ` +
            `id=${this.hex(8)} ${this.word()} ${this.word()} ${this.word()} status=${200 + this.int(4) * 100} ms=${this.int(200)}\n`
          : `{"id":"${this.hex(8)}","${this.word()}":${this.int(10000)},"${this.word()}":"${this.word()} ${this.word()}",` +
            `"price":${this.int(9999) / 100},"qty":${this.int(20)},"tags":["${this.word()}","${this.word()}"]}\n`;
      offset += buffer.write(line, offset, end - offset, "latin1");
    }
  }

  /** V8-like objects: a map word, then fields that are pointers near it or tagged small integers. */
  private heapObjects(buffer: Buffer, start: number, end: number): void {
    const base = 0x7f3a00000000 + this.int(64) * 0x40000000;
    const maps = [0, 1, 2, 3].map(() => base + this.int(0x100000) * 8 + 1);
    let pointer = base + this.int(0x400000) * 8 + 1;
    let offset = start;
    while (offset + 8 <= end) {
      const fields = 2 + this.int(6);
      buffer.writeUIntLE(maps[this.int(4)] as number, offset, 6);
      offset += 8;
      for (let field = 0; field < fields && offset + 8 <= end; field++, offset += 8) {
        const roll = this.random();
        if (roll < 0.45) {
          // Objects point mostly at their neighbours: allocation order is locality.
          pointer += (this.int(64) - 24) * 8;
          buffer.writeUIntLE(pointer, offset, 6);
        } else if (roll < 0.8) buffer.writeUInt32LE(this.int(100) * 2, offset + 4);
        else if (roll < 0.9) buffer.writeUIntLE(maps[0] as number, offset, 6);
        // else: a zero word (undefined, holes, padding)
      }
    }
  }
}

/** The first bytes of an ELF64 little-endian x86-64 core header. */
function elfHeader(): Buffer {
  const header = Buffer.alloc(64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(header, 0);
  header.writeUInt16LE(4, 16); // ET_CORE
  header.writeUInt16LE(62, 18); // EM_X86_64
  header.writeUInt32LE(1, 20);
  header.writeUInt16LE(64, 52);
  header.writeUInt16LE(56, 54);
  return header;
}
