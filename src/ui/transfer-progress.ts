import { createRequire } from "node:module";
import type { SingleBar } from "cli-progress";
import { plainTerminal } from "./colour.js";
import { formatSize } from "./format.js";
import { StatusLine } from "./progress.js";
import { visibleLine } from "./untrusted-text.js";

/** Bytes, rate and time left of a download, on stderr, only when stderr is a terminal and not --quiet. */
export class TransferProgress {
  private bar: SingleBar | undefined;
  /** Plain terminals (NO_COLOR): the figures on one line, redrawn without moving the cursor. */
  private plain: { line: StatusLine; total: number; lastDraw: number } | undefined;
  private done = 0;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private readonly enabled = process.stderr.isTTY === true,
  ) {}

  start(total: number): void {
    if (!this.enabled) return;
    if (plainTerminal()) {
      this.plain = { line: new StatusLine(process.stderr), total, lastDraw: 0 };
      this.drawPlain();
      return;
    }
    // Loaded only when a bar is drawn: most runs draw none, and it costs a tenth of a second to load.
    const cliProgress = loadCliProgress();
    this.bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: `${visibleLine(this.label)} [{bar}] {percentage}% {transferred} of {size} {rate} ETA {eta_formatted}`,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
        fps: 8,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, 0, this.payload(total));
  }

  add(count: number): void {
    this.done += count;
    this.bar?.update(this.done, this.payload(this.bar.getTotal()));
    if (this.plain && Date.now() - this.plain.lastDraw >= 125) this.drawPlain();
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
    this.plain?.line.clear();
    this.plain = undefined;
  }

  private drawPlain(): void {
    if (!this.plain) return;
    const { total } = this.plain;
    const { transferred, size, rate } = this.payload(total);
    const percent = total > 0 ? Math.floor((this.done / total) * 100) : 0;
    this.plain.line.draw(`${visibleLine(this.label)} ${percent}% ${transferred} of ${size} ${rate}`);
    this.plain.lastDraw = Date.now();
  }

  private payload(total: number) {
    const seconds = Math.max(0.001, (Date.now() - this.started) / 1000);
    return {
      transferred: formatSize(this.done),
      size: formatSize(total),
      rate: `${formatSize(this.done / seconds)}/s`,
    };
  }
}

function loadCliProgress(): typeof import("cli-progress") {
  return createRequire(import.meta.url)("cli-progress");
}
