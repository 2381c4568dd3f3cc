/** What llnode printed, read back into data: frames of `v8 bt`, `v8 nodeinfo`'s versions, error objects. */

export interface BacktraceFrame {
  index: number;
  /** A JS function's name, or a native symbol. */
  function: string;
  /** For JS frames: the script and the position llnode gives. */
  file?: string;
  line?: number;
  column?: number;
  /**
   * What that position is: the call site (the project's plugin, interpreted frames), or where the function
   * starts (llnode as published, and the project's plugin where it says it cannot know the call site).
   */
  position?: "call site" | "function start";
  native: boolean;
}

const FRAME = /^\s*\*?\s*frame #(\d+): 0x[0-9a-f]+ (.*)$/;
// A function llnode has no name for prints as `(anonymous)(…)`, or on Node 18 as `(…)`; a function inlined
// into optimized code as `priceOf(<inlined>)`, on its frame's line.
const JS_FRAME =
  /^(\(anonymous\)|[^\s(`]*)\(.*\) at (.+?):(\d+):(\d+)( \(function start: [^)]*\))?(?: fn=0x[0-9a-f]+)?$/;
const NATIVE_FRAME = /^[^`\s]+`(.+?)(?: \+ \d+)?(?: at .*)?$/;

/**
 * `callSites`: the plugin prints call sites (the project's build), and marks the frames where it could
 * only give the function's start.
 */
export function parseBacktrace(output: string, { callSites = false } = {}): BacktraceFrame[] {
  const frames: BacktraceFrame[] = [];
  for (const line of output.split("\n")) {
    const frame = FRAME.exec(line);
    if (!frame) continue;
    const index = Number(frame[1]);
    const rest = frame[2] ?? "";
    const js = JS_FRAME.exec(rest);
    if (js) {
      frames.push({
        index,
        function: js[1] || "(anonymous)",
        file: js[2] ?? "",
        line: Number(js[3]),
        column: Number(js[4]),
        position: callSites && js[5] === undefined ? "call site" : "function start",
        native: false,
      });
      continue;
    }
    const native = NATIVE_FRAME.exec(rest);
    frames.push({ index, function: native?.[1] ?? rest.trim(), native: native !== null });
  }
  return frames;
}

/**
 * Whether llnode read the V8 heap, as `v8 bt` shows it: a JS frame named, with its script, was read from
 * the heap; a frame of V8 code left a bare address was not. A stack with no JS on it (an out-of-memory core
 * aborts from a GC task) tells neither: undefined. Unlike `v8 nodeinfo`, this walks no heap.
 */
export function backtraceReadHeap(btOutput: string): boolean | undefined {
  if (parseBacktrace(btOutput).some((frame) => !frame.native && frame.file !== undefined)) return true;
  return BARE_FRAME.test(btOutput) ? false : undefined;
}

const BARE_FRAME = /^\s*\*?\s*frame #\d+: 0x[0-9a-f]+\s*$/m;

/** `v8 nodeinfo` answers this when it finds no V8 heap it understands. */
export function couldReadHeap(nodeinfoOutput: string): boolean {
  return (
    !nodeinfoOutput.includes("No process objects found") && /Information for process id/.test(nodeinfoOutput)
  );
}

export function nodeVersionFrom(nodeinfoOutput: string): string | undefined {
  return /^\s*node = ([\d.]+)/m.exec(nodeinfoOutput)?.[1];
}

/** The first error object `v8 findjsinstances -d <Type>` lists, with the address of its message string. */
export function errorInstance(
  output: string,
): { address: string; messageAddress?: string; message?: string } | undefined {
  const object = /^(0x[0-9a-f]+):<Object: \w+ properties \{/m.exec(output);
  if (!object) return undefined;
  const message = /\.message=(0x[0-9a-f]+):<String: "(.*)">/.exec(output.slice(object.index));
  const found: { address: string; messageAddress?: string; message?: string } = { address: object[1] ?? "" };
  if (message?.[1]) found.messageAddress = message[1];
  if (message?.[2] !== undefined) found.message = message[2];
  return found;
}

/** The string `v8 inspect -F <address>` printed. */
export function inspectedString(output: string): string | undefined {
  return /<String: "([\s\S]*)">/.exec(output)?.[1];
}

const GDB_FRAME = /^#(\d+)\s+(?:0x[0-9a-f]+ in )?(.+?)(?: from \S+)?$/;

/** gdb's `bt`: `#0  0x… in write_through_null (where=0x0) at crasher.c:4`, one frame per line, each once. */
export function parseGdbBacktrace(output: string): BacktraceFrame[] {
  const frames = new Map<number, BacktraceFrame>();
  for (const line of output.split("\n")) {
    const frame = GDB_FRAME.exec(line.trim());
    if (frame)
      frames.set(Number(frame[1]), { index: Number(frame[1]), function: frame[2] ?? "", native: true });
  }
  return [...frames.values()].sort((a, b) => a.index - b.index);
}

/**
 * An error's stack in `v8 findjsinstances -d` or `v8 inspect` output: the frames of its captured stack
 * (the project's llnode prints `error stack {` with `fn at file:line:col` lines), or, once the stack was
 * formatted (Node printed the error), the address of the string that holds it (`TypeError: … at …`).
 */
export function errorStack(
  output: string,
  type: string,
): {
  frames: Array<{ function: string; file: string; line: number; column: number }>;
  stringAddress?: string;
} {
  const block = /error stack \{\n([\s\S]*?)\n {2}\}/.exec(output)?.[1];
  const frames = (block ?? "").split("\n").flatMap((line) => {
    const frame = /^\s*(\S*) at (.+):(\d+):(\d+)$/.exec(line);
    return frame
      ? [{ function: frame[1] ?? "", file: frame[2] ?? "", line: Number(frame[3]), column: Number(frame[4]) }]
      : [];
  });
  const quoted = type.replace(/[$]/g, "\\$");
  const string = new RegExp(`=(0x[0-9a-f]+):<String: "${quoted}: `).exec(output)?.[1];
  return string ? { frames, stringAddress: string } : { frames };
}
