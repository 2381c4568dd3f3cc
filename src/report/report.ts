import type { Dump } from "../catalog/dump.js";
import type { CoreExtent } from "../elf/index.js";
import type { GoSection } from "../runtimes/go/go-section.js";
import type { RuntimeName } from "../runtimes/index.js";
import type { Settings } from "../settings.js";
import type { CodeExcerpt } from "../sourcemaps/code-excerpt.js";
import type { DumpFolder } from "../workspace/dump-folder.js";
import type { AbortText } from "./abort-text.js";
import type { FaultSection } from "./details/native-fault.js";
import type { HeapSection } from "./details/out-of-memory.js";
import type { Sign } from "./evidence.js";
import type { HeapSource } from "./heap-source.js";
import type { JsFrame, MappedFields } from "./js-frame.js";
import type { Kind } from "./kinds/kind.js";

/*
 * The report's shape, a room of its own: what buildReport fills, the renderers and triage read. The
 * stages that fill it import it from here, never from build-report.ts, which imports them.
 */

/** What the report says of the source maps it used: `sourceMaps` in `report --json`. */
export interface SourceMapsSection {
  /** Each map used: the script it maps, and where it was read. */
  maps: Array<{ script: string; map: string }>;
  /** What could not be used, and why: a map on the network, over the size limit, malformed … */
  notes: string[];
}

export interface ReportFrame extends MappedFields {
  function: string;
  file?: string;
  line?: number;
  column?: number;
}

/** A triage summary of one dump: what a person reads first, and `report --json` prints. */
export interface Report {
  id: string;
  /** Which runtime's program made the core (src/runtimes/): `node`, `go` or `native`. */
  runtime?: RuntimeName;
  timestamp: string | null;
  namespace: string | null;
  pod: string | null;
  nodeHostname: string | null;
  images: string[];
  /**
   * `verification`: `build-id`, or `image-digest-and-version` for a core that holds no build-id (qemu-user's),
   * or `none` (`--no-verify`); `verificationNote` says it in words where it is not the build-id.
   */
  executable: {
    path: string;
    buildId: string;
    source: string;
    verification: string;
    verificationNote?: string;
  } | null;
  executableReason?: string;
  /** The machine the core was made on (`aarch64`) and its OCI name (`arm64`), from the core's ELF header. */
  machine: { name: string; architecture: string } | null;
  exePath: string | null;
  pid: number | null;
  signal: number | null;
  signalName: string | null;
  nodeVersion: string | null;
  /** What kind of death this was, and the signs it was decided from. */
  kind: Kind;
  kindSigns: Sign[];
  /** `core`: read from the Error object on the heap, where the throwing frames held it (src/v8-error). */
  error: { type: string; message: string; source: "core" | "llnode" | "core text" | "log" } | null;
  /**
   * The JS stack: the frames coredump's stack walker read from the core, else llnode's where it could read
   * the core, else those V8 printed. The walker's and llnode's frames say
   * whether their position is the call site or the function's start, and, where V8 printed a stack, whether
   * that frame's call site is the one V8 printed.
   */
  jsStack: Array<
    ReportFrame & {
      /** `core`: coredump's own stack walker read it from the core's memory (src/v8-stack). */
      source: "core" | "llnode" | "core text" | "log";
      position?: "call site" | "function start";
      /**
       * Where the frame's function starts (its `function` token), as V8 gives a stack trace: the walker's,
       * for naming it through a source map; not in the JSON.
       */
      functionStart?: { line: number; column: number };
      matchesV8Printed?: boolean;
    }
  >;
  /** What V8 printed before aborting, found in the core's bytes: exact call sites. */
  v8Printed: AbortText;
  /**
   * The JS stack Node printed in its own crash report (`----- JavaScript stack trace -----`: fatal errors,
   * `process.abort()`, unhandled rejections on Node 20 and later), found in the core's bytes: exact call sites.
   */
  nodePrinted: JsFrame[];
  /** Unhandled rejection: Node's own JS frames where it aborted, apart from the error's stack. */
  abortedAt?: JsFrame[];
  /** Out of memory: the heap's limit, use, largest constructors and what retains them. */
  heap?: HeapSection;
  /** Native fault: the signal, the address, and the library and function the program counter was in. */
  fault?: FaultSection;
  /** Fatal error: the message Node or V8 printed. */
  fatal?: { message: string; source: "log" | "core text" };
  nativeFrames: string[];
  /**
   * `stack scan` where no debugger ran and the native frames are the executable's functions that the
   * stack holds return addresses into (src/native-stack); absent where a debugger unwound them.
   */
  nativeFramesFrom?: "stack scan";
  debugger: { name: string; plugin?: string; origin?: string; readable: boolean; note?: string } | null;
  /** Each log's last lines; or, with `firstLine` (1-based), the lines from there: where Go printed its cause. */
  logs: Array<{ file: string; lines: string[]; firstLine?: number }>;
  /** The core's size and where its headers say it ends, when it is cut short; else null. */
  coreTruncated: CoreExtent | null;
  /** The lines of code of the first in-app frame, its original source where a map has it. */
  code?: CodeExcerpt;
  /** The source maps used and what kept others from use. */
  sourceMaps?: SourceMapsSection;
  /** A Go program's death: its cause, the goroutine that died, the others summed up (src/runtimes/go/). */
  go?: GoSection;
}

export interface ReportInput {
  dump: Dump;
  folder: DumpFolder;
  executable:
    | { path: string; buildId: string; source: string; verification?: string }
    | { path: null; reason: string };
  /** `--insecure-registry`, for the shared libraries of a native core. */
  insecureRegistries?: string[];
  settings: Settings;
  /** Reads the heap of an out-of-memory core; the core's own memory (src/heap) unless given. */
  heapSource?: HeapSource;
  /** `--source-maps DIR`: a build folder with the service's maps (else `COREDUMP_SOURCE_MAPS`). */
  sourceMaps?: string;
  /** What the source maps' pull from the image is doing (`reading layer 1 of 2 …`). */
  onProgress?: (message: string) => void;
}
