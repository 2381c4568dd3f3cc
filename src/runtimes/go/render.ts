import { style } from "../../ui/untrusted-text.js";
import type { GoSection } from "./go-section.js";
import type { GoFrame } from "./traceback.js";

const FRAMES = 12;
const GROUPS = 5;

/** The Go sections of a report as a person reads them; the caller escapes the whole text. */
export function goLines(go: GoSection, kind: string): string[] {
  const sections: string[] = [];
  if (go.message !== null) {
    const cause = kind === "panic" ? "panic: " : kind === "fatal-error" ? "fatal error: " : "";
    sections.push(
      [
        style.bold.red(`${cause}${go.message}`),
        ...(go.signal ? [style.dim(`  [signal ${go.signal}]`)] : []),
      ].join("\n"),
    );
  }
  const fault = go.cgoFault;
  if (fault)
    sections.push(
      `${style.bold("In C code (cgo)")} at pc ${fault.pc}: ${fault.function ?? "?"}${fault.file === undefined ? "" : `  ${fault.file}:${fault.line}`}`,
    );
  const crashed = go.crashed;
  if (crashed) {
    const who = crashed.id === null ? "The goroutine that died" : `Goroutine ${crashed.id}`;
    const state = crashed.state ? ` [${crashed.state}]` : "";
    const lines = [
      style.bold(
        `${who}${state} (from ${crashed.source === "log" ? "the container's log" : "Delve on the core"})`,
      ),
    ];
    for (const frame of crashed.frames.slice(0, FRAMES)) lines.push(`  ${frameText(frame)}`);
    if (crashed.frames.length > FRAMES) lines.push(`  … ${crashed.frames.length - FRAMES} more`);
    if (crashed.createdBy) lines.push(style.dim(`  created by ${frameText(crashed.createdBy)}`));
    sections.push(lines.join("\n"));
  }
  const all = go.goroutines;
  if (all) {
    const states = all.byState.map(({ state, count }) => `${count} ${state}`).join(", ");
    const lines = [style.bold(`Goroutines: ${all.total} (${states})`)];
    for (const group of all.identical.slice(0, GROUPS))
      lines.push(`  ${group.count} × [${group.state}] at ${frameText(group.top)}`);
    sections.push(lines.join("\n"));
  }
  return sections;
}

function frameText(frame: GoFrame): string {
  return frame.file === undefined ? frame.function : `${frame.function}  ${frame.file}:${frame.line}`;
}
