import type { PrintedError } from "./crash-text.js";
import type { JsFrame } from "./js-frame.js";
import type { CoreText } from "./scan-core.js";

/** What a container's log says about the death: the same kinds of lines as the core's text. */
export interface LogText {
  fatal?: string;
  error?: PrintedError;
  /** `Uncaught TypeError: …`: V8's own line for an exception under `--abort-on-uncaught-exception`. */
  uncaught: boolean;
  nodeStack: JsFrame[];
  heapOutOfMemory: boolean;
  lastGc?: { beforeMb: number; afterMb: number };
  maxOldSpaceMb?: number;
}

/** Everything the kind of death is decided from. No one of them decides alone. */
export interface Evidence {
  /** From the dump's metadata; 0 for a `capture` of a live process. */
  signal: number | null;
  /** The crashed thread's native functions, innermost first; empty where no debugger read the core. */
  nativeFrames: string[];
  core: CoreText;
  /** Undefined when the dump holds no container log. */
  log?: LogText;
}

export type Source = "signal" | "native frames" | "core text" | "log";

/** One thing that points at a kind, and where it was seen. */
export interface Sign {
  source: Source;
  says: string;
}
