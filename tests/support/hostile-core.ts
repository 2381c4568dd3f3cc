/**
 * Real cores edited the way a hostile bucket could hand them over (issue 25): program headers that claim
 * more than the file, overlap each other or number past 65,535, notes by the hundred thousand, a heap
 * object's length set to 2^31-1, and a node binary whose V8 constants were changed. Each core starts as a
 * real core of a real crashing Node process (tests/support/heap-core.ts) and is edited by content: the
 * program headers as the file gives them, a string found by its characters. The ELF is read and written
 * here, independently of src/elf, so that what is tested is not what builds the input.
 *
 * `node dist/tests/support/hostile-core.js [NAME…]` lays out a `--dir` store of the edited cores (all by
 * default) and prints their ids, for measuring a build before and after (`/usr/bin/time -v`).
 */

import assert from "node:assert/strict";
import { copyFile, mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type CliResult, coredumpWithin, freshCacheHome, HANG_CEILING_MS, json } from "./cli.js";
import { crashDumps } from "./crash-dumps.js";
import { note } from "./elf-note-bytes.js";
import { HEAP_APP_CLASSES, type HeapCore, heapCore } from "./heap-core.js";
import { coredumpPeakRss } from "./peak-rss.js";

export const PT_LOAD = 1;
export const PT_NOTE = 4;
const PF_W = 2;
const PHDR_SIZE = 56;
const SHDR_SIZE = 64;
const PN_XNUM = 0xffff;
const NT_FILE = 0x46494c45;

/** One ELF64 program header; sizes and offsets as bigints, so that a claim of 2^62 bytes is written as is. */
export interface Phdr {
  type: number;
  flags: number;
  offset: bigint;
  vaddr: bigint;
  paddr: bigint;
  filesz: bigint;
  memsz: bigint;
  align: bigint;
}

function readPhdr(bytes: Buffer, at: number): Phdr {
  return {
    type: bytes.readUInt32LE(at),
    flags: bytes.readUInt32LE(at + 4),
    offset: bytes.readBigUInt64LE(at + 8),
    vaddr: bytes.readBigUInt64LE(at + 16),
    paddr: bytes.readBigUInt64LE(at + 24),
    filesz: bytes.readBigUInt64LE(at + 32),
    memsz: bytes.readBigUInt64LE(at + 40),
    align: bytes.readBigUInt64LE(at + 48),
  };
}

function writePhdr(phdr: Phdr, into: Buffer, at: number): void {
  into.writeUInt32LE(phdr.type, at);
  into.writeUInt32LE(phdr.flags, at + 4);
  into.writeBigUInt64LE(phdr.offset, at + 8);
  into.writeBigUInt64LE(phdr.vaddr, at + 16);
  into.writeBigUInt64LE(phdr.paddr, at + 24);
  into.writeBigUInt64LE(phdr.filesz, at + 32);
  into.writeBigUInt64LE(phdr.memsz, at + 40);
  into.writeBigUInt64LE(phdr.align, at + 48);
}

/**
 * A copy of an ELF64 little-endian core, edited: its program headers (`programs`) changed at will, data
 * appended at the end, bytes patched in place; `save` writes the table back (in place where it fits, else
 * appended) and, past 65,534 headers, the way Linux writes them (PN_XNUM, the count in section header 0).
 */
export class CoreEditor {
  private constructor(
    readonly path: string,
    public programs: Phdr[],
    public size: number,
    private readonly table: { offset: number; count: number },
  ) {}

  static async copy(source: string, target: string): Promise<CoreEditor> {
    await copyFile(source, target);
    const bytes = await readFile(source);
    if (bytes.readUInt32BE(0) !== 0x7f454c46 || bytes[4] !== 2 || bytes[5] !== 1)
      throw new Error(`${source} is not an ELF64 little-endian file`);
    const phoff = Number(bytes.readBigUInt64LE(32));
    const count = bytes.readUInt16LE(56);
    const programs: Phdr[] = [];
    for (let index = 0; index < count; index++) programs.push(readPhdr(bytes, phoff + index * PHDR_SIZE));
    return new CoreEditor(target, programs, bytes.length, { offset: phoff, count });
  }

  /** The whole file as it is now. */
  read(): Promise<Buffer> {
    return readFile(this.path);
  }

  /** Appends `data` at the end (aligned to `align`) and returns its offset. */
  async append(data: Buffer, align = 4096): Promise<number> {
    const offset = Math.ceil(this.size / align) * align;
    await this.patch(offset, data);
    return offset;
  }

  async patch(offset: number, data: Buffer): Promise<void> {
    const file = await open(this.path, "r+");
    try {
      await file.write(data, 0, data.length, offset);
    } finally {
      await file.close();
    }
    this.size = Math.max(this.size, offset + data.length);
  }

  /** Writes the program header table and the ELF header's fields for it. */
  async save(): Promise<string> {
    const table = Buffer.alloc(this.programs.length * PHDR_SIZE);
    for (const [index, phdr] of this.programs.entries()) writePhdr(phdr, table, index * PHDR_SIZE);
    const phoff = this.programs.length <= this.table.count ? this.table.offset : await this.append(table, 8);
    if (phoff === this.table.offset) await this.patch(phoff, table);
    const header = Buffer.alloc(64);
    const file = await open(this.path, "r");
    await file.read(header, 0, 64, 0);
    await file.close();
    header.writeBigUInt64LE(BigInt(phoff), 32);
    if (this.programs.length < PN_XNUM) header.writeUInt16LE(this.programs.length, 56);
    else {
      const section = Buffer.alloc(SHDR_SIZE);
      section.writeUInt32LE(this.programs.length, 44);
      const shoff = await this.append(section, 8);
      header.writeUInt16LE(PN_XNUM, 56);
      header.writeBigUInt64LE(BigInt(shoff), 40);
      header.writeUInt16LE(SHDR_SIZE, 58);
      header.writeUInt16LE(1, 60);
      header.writeUInt16LE(0, 62);
    }
    await this.patch(0, header);
    return this.path;
  }
}

/** The dumped, writable PT_LOAD segments of a core (where the heap and stacks are), in file order. */
export function writableLoads(programs: readonly Phdr[]): Phdr[] {
  return programs.filter((phdr) => phdr.type === PT_LOAD && phdr.filesz > 0n && (phdr.flags & PF_W) !== 0);
}

const USER_SPACE_END = 1n << 47n;

/** An address past every segment of the core in user space, aligned to `align`: room for segments of one's own. */
export function freeAddress(programs: readonly Phdr[], align = 1n << 20n): bigint {
  let end = 0n;
  for (const phdr of programs) {
    // Not past user space (x86_64's vsyscall page lies at the top of the address space).
    if (phdr.vaddr < USER_SPACE_END && phdr.vaddr + phdr.memsz > end) end = phdr.vaddr + phdr.memsz;
  }
  return ((end + align) / align) * align;
}

/** The notes of a PT_NOTE segment, as [name, type, desc]. */
export function notesOf(segment: Buffer): Array<{ name: string; type: number; desc: Buffer }> {
  const notes = [];
  for (let at = 0; at + 12 <= segment.length; ) {
    const nameSize = segment.readUInt32LE(at);
    const descSize = segment.readUInt32LE(at + 4);
    const descAt = at + 12 + Math.ceil(nameSize / 4) * 4;
    const name = segment.toString("latin1", at + 12, at + 12 + Math.max(0, nameSize - 1));
    notes.push({
      name,
      type: segment.readUInt32LE(at + 8),
      desc: segment.subarray(descAt, descAt + descSize),
    });
    at = descAt + Math.ceil(descSize / 4) * 4;
  }
  return notes;
}

/** An NT_FILE note listing the entries of `desc` (a real NT_FILE's) over and over, `count` in all. */
export function repeatedFileNote(desc: Buffer, count: number): Buffer {
  const listed = Number(desc.readBigUInt64LE(0));
  const entries = desc.subarray(16, 16 + listed * 24);
  const names: Buffer[] = [];
  let at = 16 + listed * 24;
  for (let index = 0; index < listed; index++) {
    const end = desc.indexOf(0, at);
    names.push(desc.subarray(at, end + 1));
    at = end + 1;
  }
  const head = Buffer.alloc(16);
  head.writeBigUInt64LE(BigInt(count), 0);
  head.writeBigUInt64LE(desc.readBigUInt64LE(8), 8);
  const body = Buffer.alloc(count * 24);
  const tail: Buffer[] = [];
  for (let index = 0; index < count; index++) {
    entries.copy(body, index * 24, (index % listed) * 24, (index % listed) * 24 + 24);
    tail.push(names[index % listed] as Buffer);
  }
  return note("CORE", NT_FILE, Buffer.concat([head, body, ...tail]));
}

/** The edits of issue 25, each a function of a fresh copy of the heap core. */
export const HOSTILE_CORES = {
  /**
   * #4: one heap segment claims 2^62 bytes; a segment of its own, the first, points past the file's end
   * and claims 2^62 bytes too.
   */
  async pastTheEnd(editor: CoreEditor): Promise<void> {
    const [first] = writableLoads(editor.programs);
    if (!first) throw new Error("no writable segment");
    first.filesz = 1n << 62n;
    // First of the segments, so that a reader that goes through them in order meets it before any other.
    const at = editor.programs.findIndex((phdr) => phdr.type === PT_LOAD);
    editor.programs.splice(at, 0, {
      ...first,
      offset: BigInt(editor.size) + (1n << 40n),
      vaddr: freeAddress(editor.programs),
      filesz: 1n << 62n,
      memsz: 1n << 62n,
    });
  },
  /**
   * #6: 8,000 segments at addresses of their own, all mapping one 256 KiB region of the file: a V8 page
   * of the app's objects (the one holding the Sessions' `user-…` strings).
   */
  async sharedFileRange(editor: CoreEditor): Promise<void> {
    const bytes = await editor.read();
    const marker = Buffer.from("user-1000");
    const page = writableLoads(editor.programs).find(
      (phdr) =>
        phdr.filesz === 256n * 1024n &&
        bytes.subarray(Number(phdr.offset), Number(phdr.offset + phdr.filesz)).includes(marker),
    );
    if (!page) throw new Error("no V8 page of 256 KiB holds the app's strings");
    const start = freeAddress(editor.programs, 256n * 1024n);
    for (let index = 0n; index < 8000n; index++)
      editor.programs.push({ ...page, vaddr: start + index * 256n * 1024n });
  },
  /** #18: a copy of every writable segment, 8 bytes higher in memory, its bytes appended to the file. */
  async shiftedCopies(editor: CoreEditor): Promise<void> {
    const bytes = await editor.read();
    for (const phdr of writableLoads(editor.programs)) {
      const copy = bytes.subarray(Number(phdr.offset), Number(phdr.offset + phdr.filesz));
      const offset = await editor.append(copy);
      editor.programs.push({ ...phdr, offset: BigInt(offset), vaddr: phdr.vaddr + 8n });
    }
  },
  /** #20: 65,536 undumped mappings before the core's own segments: over 65,535 program headers (PN_XNUM). */
  async manyHeaders(editor: CoreEditor): Promise<void> {
    const notes = editor.programs.filter((phdr) => phdr.type === PT_NOTE);
    const loads = editor.programs.filter((phdr) => phdr.type !== PT_NOTE);
    const start = freeAddress(editor.programs);
    const empty: Phdr[] = [];
    for (let index = 0n; index < 65_536n; index++)
      empty.push({
        type: PT_LOAD,
        flags: 4,
        offset: BigInt(editor.size),
        vaddr: start + index * 0x2000n,
        paddr: 0n,
        filesz: 0n,
        memsz: 0x1000n,
        align: 0x1000n,
      });
    editor.programs = [...notes, ...empty, ...loads];
  },
  /** #11: a PT_NOTE of 300,000 empty notes, before the core's own. */
  async emptyNotes(editor: CoreEditor): Promise<void> {
    const segment = Buffer.alloc(300_000 * 12);
    const offset = await editor.append(segment);
    const [own] = editor.programs.filter((phdr) => phdr.type === PT_NOTE);
    if (!own) throw new Error("no PT_NOTE");
    editor.programs.unshift({ ...own, offset: BigInt(offset), filesz: BigInt(segment.length) });
  },
  /** #14: an NT_FILE note of 400,000 entries (the core's own, over and over), before the core's notes. */
  async hugeFileNote(editor: CoreEditor): Promise<void> {
    const [own] = editor.programs.filter((phdr) => phdr.type === PT_NOTE);
    if (!own) throw new Error("no PT_NOTE");
    const bytes = await editor.read();
    const segment = bytes.subarray(Number(own.offset), Number(own.offset + own.filesz));
    const files = notesOf(segment).find((entry) => entry.name === "CORE" && entry.type === NT_FILE);
    if (!files) throw new Error("no NT_FILE note");
    const big = repeatedFileNote(files.desc, 400_000);
    const offset = await editor.append(big);
    editor.programs.unshift({ ...own, offset: BigInt(offset), filesz: BigInt(big.length) });
  },
  /** #9: the length of a sequential one-byte string the app made set to 2^31-1 (every copy of it). */
  async longString(editor: CoreEditor): Promise<void> {
    const bytes = await editor.read();
    const chars = Buffer.from("heap-app-sequential-one-byte-string:".repeat(4), "latin1");
    let edited = 0;
    for (let at = bytes.indexOf(chars); at >= 0; at = bytes.indexOf(chars, at + 1)) {
      // SeqOneByteString: map, hash (4 bytes), length (4 bytes), then the characters.
      if (at < 4 || bytes.readUInt32LE(at - 4) !== chars.length) continue;
      const length = Buffer.alloc(4);
      length.writeUInt32LE(0x7fffffff);
      await editor.patch(at - 4, length);
      edited++;
    }
    if (edited === 0) throw new Error("the app's string is not in the core");
  },
} satisfies Record<string, (editor: CoreEditor) => Promise<void>>;

export type HostileCoreName = keyof typeof HOSTILE_CORES;

/** A fresh edited copy of the heap core, under `folder`. */
export async function hostileCore(name: HostileCoreName, folder: string, heap?: HeapCore): Promise<string> {
  const source = (heap ?? (await heapCore())).core;
  const editor = await CoreEditor.copy(source, path.join(folder, `${name}.core`));
  await HOSTILE_CORES[name](editor);
  return editor.save();
}

/** A `--dir` store of edited cores: their dumps' ids by name, and where and how to read them. */
export interface HostileStore {
  dir: string;
  ids: Record<string, string>;
  /** The heap core they were made of: its node binary and what the app printed. */
  heap: HeapCore;
  workdir: string;
  env: Record<string, string>;
  remove(): Promise<void>;
}

/**
 * A `--dir` store of the edited cores named (each with the heap core's pid, signal and log), a working
 * folder and a cache of its own. The cores themselves are removed once laid out (the store holds copies).
 */
export async function hostileStore(names: readonly HostileCoreName[]): Promise<HostileStore> {
  const heap = await heapCore();
  const scratch = await mkdtemp(path.join(tmpdir(), "coredump-hostile-cores-"));
  const crashes = [];
  for (const name of names) crashes.push({ ...heap, core: await hostileCore(name, scratch, heap) });
  const dumps = await crashDumps(crashes, "loose");
  await rm(scratch, { recursive: true, force: true });
  const workdir = await mkdtemp(path.join(tmpdir(), "coredump-hostile-work-"));
  return {
    dir: dumps.dir,
    ids: Object.fromEntries(names.map((name, index) => [name, dumps.ids[index] ?? ""])),
    heap,
    workdir,
    env: { XDG_CACHE_HOME: freshCacheHome() },
    remove: async () => {
      for (const folder of [dumps.dir, workdir]) await rm(folder, { recursive: true, force: true });
    },
  };
}

/** Runs `coredump VERB <the dump of NAME> --dir … --workdir … ARGS…`, stopped after `ceiling` ms. */
export function onHostileDump(
  store: HostileStore,
  verb: string,
  name: HostileCoreName,
  args: readonly string[] = [],
  ceiling = HANG_CEILING_MS,
): Promise<CliResult & { timedOut: boolean }> {
  return coredumpWithin(
    [verb, store.ids[name] ?? "", "--dir", store.dir, "--workdir", store.workdir, ...args],
    store.env,
    ceiling,
  );
}

/** What `coredump heap --json` prints, as far as these tests read it. */
export interface HeapJson {
  nodeVersion: string;
  objects: number;
  bytes: number;
  types: Array<{ name: string; count: number; bytes: number }>;
  notes: string[];
}

/** How many objects of a type `heap --json` counted. */
export function countOf(heap: HeapJson, type: string): number | undefined {
  return heap.types.find((entry) => entry.name === type)?.count;
}

/** The file offset of a data symbol of an ELF64 executable (`v8dbg_…`), read from its section headers. */
export async function symbolOffset(executable: string, name: string): Promise<number> {
  const bytes = await readFile(executable);
  const shoff = Number(bytes.readBigUInt64LE(40));
  const count = bytes.readUInt16LE(60);
  const section = (index: number) => {
    const at = shoff + index * SHDR_SIZE;
    return {
      type: bytes.readUInt32LE(at + 4),
      addr: Number(bytes.readBigUInt64LE(at + 16)),
      offset: Number(bytes.readBigUInt64LE(at + 24)),
      size: Number(bytes.readBigUInt64LE(at + 32)),
      link: bytes.readUInt32LE(at + 40),
    };
  };
  for (let index = 0; index < count; index++) {
    const table = section(index);
    if (table.type !== 2) continue;
    const strings = section(table.link);
    for (let at = table.offset; at < table.offset + table.size; at += 24) {
      const nameAt = strings.offset + bytes.readUInt32LE(at);
      if (bytes.toString("latin1", nameAt, bytes.indexOf(0, nameAt)) !== name) continue;
      const holder = section(bytes.readUInt16LE(at + 6));
      return holder.offset + Number(bytes.readBigUInt64LE(at + 8)) - holder.addr;
    }
  }
  throw new Error(`${executable} has no symbol ${name}`);
}

/**
 * Lays out a `--dir` store of the edited cores named on the command line (all by default) and prints each
 * dump's id and the arguments that read them: for measuring a build before and after.
 */
if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  const asked = process.argv.slice(2) as HostileCoreName[];
  const store = await hostileStore(
    asked.length > 0 ? asked : (Object.keys(HOSTILE_CORES) as HostileCoreName[]),
  );
  for (const [name, id] of Object.entries(store.ids)) process.stdout.write(`${name} ${id}\n`);
  process.stdout.write(`--dir ${store.dir} --binary ${store.heap.node}\n`);
}

/** Far above what reading the heap core takes (about 200 MB): a bound against unbounded memory, not a claim. */
const MEMORY_CEILING = 512 * 1024 * 1024;

/**
 * `heap --json` of the dump `id` under /usr/bin/time: it ended with exit 0, counted the app's objects
 * exactly, and stayed under a generous memory ceiling.
 */
export async function heapCountedExactly(store: HostileStore, id: string): Promise<HeapJson> {
  const result = await coredumpPeakRss(
    ["heap", id, "--dir", store.dir, "--workdir", store.workdir, "--binary", store.heap.node, "--json"],
    store.env,
  );
  assert.equal(result.exitCode, 0, result.stderr);
  const heap = json<HeapJson>(result);
  assert.equal(countOf(heap, HEAP_APP_CLASSES.sessions), store.heap.sessions);
  assert.equal(countOf(heap, HEAP_APP_CLASSES.orders), store.heap.orders);
  assert.ok(result.peakRss < MEMORY_CEILING, `peak RSS ${result.peakRss}`);
  return heap;
}

/** `heapsnapshot -o` of the dump `name` into `folder`: it ended with exit 0, and said `note` on stderr and in the snapshot. */
export async function snapshotSays(
  store: HostileStore,
  name: Parameters<typeof onHostileDump>[2],
  folder: string,
  note: RegExp,
): Promise<void> {
  const output = path.join(folder, "core.heapsnapshot");
  const result = await onHostileDump(store, "heapsnapshot", name, [
    "--binary",
    store.heap.node,
    "-o",
    output,
  ]);
  assert.equal(result.timedOut, false, `heapsnapshot did not end: ${result.stderr}`);
  assert.equal(result.exitCode, 0, result.stderr);
  assert.match(result.stderr, note);
  const snapshot = JSON.parse(await readFile(output, "utf8")) as { snapshot: { coredump_notes: string[] } };
  assert.ok(snapshot.snapshot.coredump_notes.some((line) => note.test(line)));
}
