import type { DebugTarget } from "../debuggers/session.js";
import type { ConstructorNamer } from "../heap/index.js";

/**
 * Where the out-of-memory section's figures come from: any reader of a V8 heap in a core. src/heap
 * (core-heap.ts), and the project's llnode for the builds it does not read (llnode-heap.ts).
 */
export interface HeapType {
  name: string;
  count: number;
  /** Shallow bytes: what the instances themselves take. */
  bytes: number;
}

export interface HeapRetainer {
  /** The constructor whose instance this path retains. */
  name: string;
  /** From the instance outwards to a GC root or the global object: each holder and the edge to the next. */
  path: Array<{ name: string; edge: string }>;
}

/** An object that retains much of the heap: what would be freed with it. */
export interface HeapHolder {
  /** Its constructor or group (`Map`, `(closure)`). */
  name: string;
  /** Bytes freed with it: itself and what only it keeps alive. */
  retained: number;
  /** retained / the live heap's bytes. */
  share: number;
  /** From the object outwards to a GC root or the global object, as HeapRetainer's path. */
  path: Array<{ name: string; edge: string }>;
}

export interface HeapFigures {
  /** By bytes, largest first. */
  types: HeapType[];
  /** The objects that retain the most, largest first (readers that compute dominators only). */
  holders?: HeapHolder[];
  retainers?: HeapRetainer[];
  /** What of the core was not read as it claimed (an edited or corrupted core); absent when all was. */
  notes?: string[];
  /** Constructors named as the service's source declares them (`e` of the bundle is `Session`). */
  renamed?: Array<{ generated: string; original: string; file: string }>;
}

export interface HeapRequest {
  /** The debugger session, where one runs: the project's llnode reads builds src/heap does not. */
  target?: DebugTarget | undefined;
  core: string;
  executable: string;
  /** Names minified constructors as the service's source maps do (readers that can). */
  constructorNames?: ConstructorNamer | undefined;
}

export type HeapSource = (request: HeapRequest) => Promise<HeapFigures | undefined>;

/** V8's and Node's own constructors and llnode's pseudo-types: not what an application leaks. */
export function isApplicationType(name: string): boolean {
  return name !== "" && !name.startsWith("(") && !RUNTIME_TYPES.has(name);
}

const RUNTIME_TYPES = new Set([
  "Object",
  "Array",
  "Function",
  "Map",
  "Set",
  "WeakMap",
  "WeakSet",
  "Promise",
  "Error",
  "TypeError",
  "RangeError",
  "String",
  "Number",
  "Boolean",
  "Symbol",
  "BigInt",
  "Date",
  "RegExp",
  "ArrayBuffer",
  "SharedArrayBuffer",
  "DataView",
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
  "Buffer",
  "FastBuffer",
  "BuiltinModule",
  "Module",
  "NodeError",
  "WeakReference",
  "WeakRef",
  "FinalizationRegistry",
  "Immediate",
  "Timeout",
  "Channel",
  "HideStackFramesError",
  "SafeIterator",
  "TracingChannel",
]);
