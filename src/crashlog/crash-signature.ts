import { createHash } from "node:crypto";
import type { LogCrash, LogFrame } from "./log-crash.js";

/** The frames a signature keeps, the crash site first. */
const SIGNATURE_FRAMES = 3;
/** A message counts this far: a message of 100 KB is one of a bug, not a hundred KB of its identity. */
export const MESSAGE_CHARACTERS = 1000;
/** A title is at most this long, `…` ending one cut short: it is a table's cell. */
export const TITLE_CHARACTERS = 200;

/**
 * What a crash is, reduced to what stays the same each time the same bug kills a process: no line or
 * column (a redeploy moves them), no pod, no address, no Node internals. Computed once per dump and kept
 * in the metadata cache, so it is small.
 */
export interface CrashFacts {
  kind: string;
  errorType?: string;
  /** The message as printed: the title shows it. */
  message?: string;
  /** Normalized frames, `myRequestListener (app/server.js)`, at most three. */
  frames: string[];
  /** A native fault's library, where a report found it. */
  library?: string;
  /**
   * A log's crash: where its frames are, as printed (then the next frame out, their caller), for `groups`
   * to name them through the image's source maps. Not part of the signature.
   */
  at?: PlacedFrame[];
}

/** A frame with its place in a script, as printed. */
export interface PlacedFrame {
  function: string;
  file: string;
  line: number;
  column: number;
}

/** The facts of a crash a log tells of: its first in-app frames, normalized. */
export function crashFacts(crash: LogCrash): CrashFacts {
  const chosen = signatureFrames(crash.frames);
  const facts: CrashFacts = { kind: crash.kind, frames: chosen.map(normalizeFrame) };
  const last = chosen.at(-1);
  const caller = last ? crash.frames[crash.frames.indexOf(last) + 1] : undefined;
  const at = [...chosen, ...(caller ? [caller] : [])].flatMap((frame) =>
    frame.file !== undefined && frame.line !== undefined && frame.column !== undefined
      ? [{ function: frame.function, file: frame.file, line: frame.line, column: frame.column }]
      : [],
  );
  if (at.length === chosen.length + (caller ? 1 : 0) && at.length > 0) facts.at = at;
  if (crash.errorType !== undefined) facts.errorType = crash.errorType;
  if (crash.message !== undefined) facts.message = clip(crash.message, MESSAGE_CHARACTERS);
  return facts;
}

/** What stands in for a stack: the dump's signal, executable and faulting library. */
export interface DeathFacts {
  signalName?: string;
  exe?: string;
  library?: string;
}

export interface CrashSignature {
  /** 16 hex digits of sha256 over `text`. */
  signature: string;
  kind: string;
  /** What a person reads: `TypeError: x is not a function at handle (server.js)`. */
  title: string;
  /** The canonical text the signature hashes, one part a line. */
  text: string;
}

/**
 * The signature of one dump: from its crash where a log or report told of one (kind, error type,
 * normalized message, frames), else from how it died (kind, signal, executable, library).
 */
export function crashSignature(crash: CrashFacts | undefined, death: DeathFacts): CrashSignature {
  const signal = death.signalName ?? "unknown signal";
  const exe = death.exe ?? "?";
  const kind = crash?.kind ?? kindOfSignal(death.signalName);
  const parts =
    crash && (crash.frames.length > 0 || crash.errorType !== undefined)
      ? [kind, crash.errorType ?? "", signatureMessage(crash.message), ...crash.frames]
      : [kind, signatureMessage(crash?.message), signal, exe, death.library ?? crash?.library ?? ""];
  const text = parts.join("\n");
  const library = death.library ?? crash?.library;
  const signature = createHash("sha256").update(text).digest("hex").slice(0, 16);
  return { signature, kind, title: clip(titleOf(kind, crash, signal, exe, library), TITLE_CHARACTERS), text };
}

function signatureMessage(message: string | undefined): string {
  return normalizeMessage(clip(message ?? "", MESSAGE_CHARACTERS));
}

/** `text` cut to `characters`, ending in `…` when cut, never inside a surrogate pair. */
export function clip(text: string, characters: number): string {
  if (text.length <= characters) return text;
  let end = characters - 1;
  if (/[\ud800-\udbff]/.test(text.charAt(end - 1))) end--;
  return `${text.slice(0, end)}…`;
}

function titleOf(
  kind: string,
  crash: CrashFacts | undefined,
  signal: string,
  exe: string,
  library: string | undefined,
): string {
  const where = crash?.frames[0] ? ` at ${shortFrame(crash.frames[0])}` : "";
  if (crash?.errorType !== undefined) {
    const message = crash.message ? `: ${crash.message}` : "";
    return `${crash.errorType}${message}${where}`;
  }
  if (crash?.message) return `${kindWords(kind)}: ${crash.message}${where || ` (${exe})`}`;
  if (where) return `${kindWords(kind)}${where}`;
  return `${signal} in ${library ? `${library} (${exe})` : exe}`;
}

function kindWords(kind: string): string {
  return kind.replaceAll("-", " ");
}

function kindOfSignal(signalName: string | undefined): string {
  if (signalName === "SIGABRT") return "abort";
  if (["SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE"].includes(signalName ?? "")) return "native-fault";
  return "unknown";
}

/** `myRequestListener (/app/server.js)` → `myRequestListener (server.js)`. */
function shortFrame(frame: string): string {
  return frame.replace(/\(([^()]*\/)?([^/()]+)\)$/, "($2)");
}

/**
 * The first frames that are the app's: not Node's internals, not builtins with no script, not a
 * dependency under node_modules; failing those, the first frames with a script; failing those, any.
 */
export function signatureFrames<Frame extends Pick<LogFrame, "file">>(frames: readonly Frame[]): Frame[] {
  const scripted = frames.filter((frame) => frame.file !== undefined && !isNodeInternal(frame.file));
  const inApp = scripted.filter((frame) => !frame.file?.includes("/node_modules/"));
  const chosen = inApp.length > 0 ? inApp : scripted.length > 0 ? scripted : frames;
  return chosen.slice(0, SIGNATURE_FRAMES);
}

function isNodeInternal(file: string): boolean {
  return file.startsWith("node:") || file.startsWith("internal/") || file === "<anonymous>";
}

/**
 * `async Server.myRequestListener [as listener]` in `file:///usr/src/app/lib/x.js` →
 * `myRequestListener (lib/x.js)`: the receiver's type varies with the caller, the alias with the call;
 * the folders above the script's own with the image (`/app`, `/usr/src/app`); hashes in bundle names
 * with each build.
 */
export function normalizeFrame(frame: Pick<LogFrame, "function" | "file">): string {
  let name = frame.function.replace(/^async /, "").replace(/ \[as [^\]]*\]$/, "");
  const constructs = name.startsWith("new ");
  if (constructs) name = name.slice(4);
  const dot = name.lastIndexOf(".");
  if (dot >= 0 && dot < name.length - 1) name = name.slice(dot + 1);
  if (name === "" || name === "<anonymous>") name = "<anonymous>";
  const file = (frame.file ?? "")
    .replace(/^file:\/\//, "")
    .replace(/\?.*$/, "")
    .split("/")
    .slice(-2)
    .join("/")
    .replace(/\b[0-9a-f]{8,}\b/gi, "*");
  return `${constructs ? "new " : ""}${name}${file ? ` (${file})` : ""}`;
}

/**
 * Numbers, addresses and uuids in a message vary between crashes of one bug: `order 4121` → `order #`.
 * Word by word, with no pattern that backtracks over a long word: a run of 100,000 digits is one word.
 */
export function normalizeMessage(message: string): string {
  return message
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "<uuid>")
    .replace(/\w+/g, normalizeWord)
    .trim();
}

function normalizeWord(word: string): string {
  if (/^0x/i.test(word) && word.length > 2 && HEX.test(word.slice(2))) return "<addr>";
  if (!HEX.test(word) || !/\d/.test(word)) return word;
  return /^\d+$/.test(word) || word.length >= 8 ? "#" : word;
}

const HEX = /^[0-9a-f]+$/i;
