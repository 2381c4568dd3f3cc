/** One frame as the crashed process printed it: `fn (file:line:column)`, or `file:line:column` alone. */
export interface PrintedFrame {
  function: string;
  file: string;
  line: number;
  column: number;
}

/**
 * The frames a crashed Node process printed on its stderr: V8's `FROM` block under
 * `--abort-on-uncaught-exception`, Node's `----- JavaScript stack trace -----` (numbered), or an Error's
 * `    at …` lines, whichever `section` names. These are the expected values of the stack walker's frames.
 */
export function printedFrames(stderr: string, section: "FROM" | "node" | "at"): PrintedFrame[] {
  const start =
    section === "FROM"
      ? stderr.indexOf("\nFROM\n")
      : section === "node"
        ? stderr.indexOf("----- JavaScript stack trace -----")
        : stderr.search(/\n {4}at /);
  if (start < 0) return [];
  if (section === "FROM") {
    // Node 18's V8 writes the FROM block's frames with no line break between them.
    const block = stderr.slice(start + 6).split("\n\n")[0] ?? "";
    return [...block.matchAll(/([^\n()]*?) \(([^()\n]+):(\d+):(\d+)\)/g)].map((match) => ({
      function: match[1] ?? "",
      file: match[2] ?? "",
      line: Number(match[3]),
      column: Number(match[4]),
    }));
  }
  const frames: PrintedFrame[] = [];
  const line =
    section === "node"
      ? /^\d+: (?:(.*?) \()?(.+?):(\d+):(\d+)\)?$/
      : /^ {4}at (?:(.*?) \()?(.+?):(\d+):(\d+)\)?$/;
  const lines = stderr.slice(start).split("\n").slice(1);
  for (const text of lines) {
    if (text.trim() === "" && frames.length === 0) continue;
    const match = line.exec(text);
    if (!match) break;
    frames.push({
      function: match[1] ?? "",
      file: match[2] ?? "",
      line: Number(match[3]),
      column: Number(match[4]),
    });
  }
  return frames;
}

/** Frames compared by place only: Node's own stack print names functions without their receiver. */
export function places(frames: ReadonlyArray<{ file?: string; line?: number; column?: number }>): string[] {
  return frames.map((frame) => `${frame.file}:${frame.line}:${frame.column}`);
}
