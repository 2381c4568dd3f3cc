import { CoreFile } from "../elf/core-file.js";
import { readNamedSymbol, threadLocalOffset } from "../elf/symbols.js";
import { CoreMemory } from "../heap/core-memory.js";
import { HeapStrings } from "../heap/heap-strings.js";
import { MapTable } from "../heap/map-table.js";
import { MappedFileBytes } from "../heap/mapped-file-bytes.js";
import { ObjectNames } from "../heap/object-names.js";
import { V8Constants } from "../heap/v8-constants.js";
import { type HeapErrorObject, thrownError } from "../v8-error/thrown-error.js";
import { findExitFrame } from "./find-exit-frame.js";
import { FrameLayout } from "./frame-layout.js";
import { ScriptLocations } from "./script-location.js";
import { v8LayoutOf } from "./v8-layouts.js";
import type { V8Reading } from "./v8-reading.js";
import { type WalkedFrame, walkFrames } from "./walk-frames.js";

/** V8's thread-local pointer to the thread's isolate (`v8::internal::g_current_isolate_`). */
const CURRENT_ISOLATE = "_ZN2v88internal18g_current_isolate_E";

/**
 * The crashed thread's isolate, through its thread pointer (x86_64's fs_base) and the executable's TLS
 * layout; undefined where either is unknown (arm64 cores of qemu-user carry no thread pointer).
 */
async function currentIsolate(
  reading: V8Reading,
  executablePath: string,
  threadPointer: number | undefined,
): Promise<number | undefined> {
  if (!threadPointer) return undefined;
  const offset = await threadLocalOffset(executablePath, CURRENT_ISOLATE);
  const isolate = offset === undefined ? undefined : reading.memory.word(threadPointer + offset);
  return isolate ? isolate : undefined;
}

/** V8's table of bytecode sizes by operand scale (`v8::internal::interpreter::Bytecodes::kBytecodeSizes`). */
const BYTECODE_SIZES = "_ZN2v88internal11interpreter9Bytecodes14kBytecodeSizesE";

export interface JsStackReading {
  frames: WalkedFrame[];
  /** The Error being thrown, where the frames that throw it hold it. */
  thrown?: HeapErrorObject;
  /**
   * Who held it: the JS frames (an argument or a register of the throwing code), or V8's handles in the C++
   * frames below the last exit from JS (an error V8 made in C++), where any Error in use could be held.
   */
  thrownHeldBy?: "js frames" | "v8 handles";
  /** The exit frame's address: the native frames called from JS lie between the stack pointer and it. */
  exitFrame?: number;
  /** How the last exit from JS was found, or why no JS frames were read. */
  found: "thread-local top" | "stack" | "no exit frame" | "no stack pointer" | "not a Node the walker reads";
}

/**
 * The crashed thread's JS stack, read from the core and the executable's V8 constants alone, with no
 * debugger: from the last exit from JS into C++, frame by frame to the JS entry.
 */
export async function readJsStack(
  /** The core, or its CoreFile where the caller read parts of it already (report does). */
  core: string | CoreFile,
  executablePath: string,
  nodeVersion: string,
): Promise<JsStackReading> {
  const v8Layout = v8LayoutOf(Number(/^v?(\d+)/.exec(nodeVersion)?.[1] ?? 0));
  if (!v8Layout) return { frames: [], found: "not a Node the walker reads" };
  const file = typeof core === "string" ? new CoreFile(core) : core;
  const summary = await file.summary();
  const v8 = await V8Constants.fromExecutable(executablePath);
  const memory = await CoreMemory.load(file.path, summary.mappings, undefined, await file.nonZeroRuns());
  // Node's own modules' sources are external strings in the executable's read-only data, which cores omit.
  const exe = summary.executable?.path;
  const text = new MappedFileBytes(
    executablePath,
    summary.mappings.filter((mapping) => mapping.path === exe),
  );
  memory.fileBytes = (address, length) => text.bytes(address, length);
  const maps = new MapTable(memory, v8);
  const strings = new HeapStrings(memory, maps, v8);
  const reading: V8Reading = {
    memory,
    v8,
    maps,
    strings,
    names: new ObjectNames(memory, maps, strings, v8),
    layout: new FrameLayout(v8),
    scripts: new ScriptLocations(memory, strings, v8),
    v8Layout,
    bytecodeSizes: await readNamedSymbol(executablePath, BYTECODE_SIZES),
  };
  try {
    const sp = summary.fault?.sp;
    if (sp === undefined) return { frames: [], found: "no stack pointer" };
    const exit = findExitFrame(
      reading,
      sp,
      await currentIsolate(reading, executablePath, summary.fault?.threadPointer),
    );
    if (!exit) return { frames: [], found: "no exit frame" };
    const frames = walkFrames(reading, exit.frame, exit.stackEnd);
    const walked = { frames, found: exit.foundBy, exitFrame: exit.frame } as const;
    const byJs = thrownError(reading, exit.frame, frames[0]?.frameAddress ?? exit.frame);
    if (byJs) return { ...walked, thrown: byJs, thrownHeldBy: "js frames" };
    const byHandles = thrownError(reading, sp, exit.frame, true);
    return byHandles ? { ...walked, thrown: byHandles, thrownHeldBy: "v8 handles" } : walked;
  } finally {
    text.close();
  }
}
