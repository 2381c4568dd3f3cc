import type { CoreMemory } from "../heap/core-memory.js";
import type { HeapStrings } from "../heap/heap-strings.js";
import type { MapTable } from "../heap/map-table.js";
import type { ObjectNames } from "../heap/object-names.js";
import type { V8Constants } from "../heap/v8-constants.js";
import type { FrameLayout } from "./frame-layout.js";
import type { ScriptLocations } from "./script-location.js";
import type { V8Layout } from "./v8-layouts.js";

/** What the walker reads with: the core's memory and V8's layout of this executable. */
export interface V8Reading {
  memory: CoreMemory;
  v8: V8Constants;
  maps: MapTable;
  strings: HeapStrings;
  names: ObjectNames;
  layout: FrameLayout;
  scripts: ScriptLocations;
  /** What V8 does not export of its layout, for the core's Node major (src/v8-stack/v8-layouts.ts). */
  v8Layout: V8Layout;
  /** V8's `Bytecodes::kBytecodeSizes`, from the executable: how baseline frames are placed. */
  bytecodeSizes?: Buffer | undefined;
}
