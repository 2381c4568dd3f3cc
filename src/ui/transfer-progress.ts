import cliProgress from "cli-progress";
import { formatSize } from "./format.js";
import { visibleLine } from "./untrusted-text.js";

/** Bytes, rate and time left of a download, on stderr, only when stderr is a terminal and not --quiet. */
export class TransferProgress {
  private bar: cliProgress.SingleBar | undefined;
  private done = 0;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private readonly enabled = process.stderr.isTTY === true,
  ) {}

  start(total: number): void {
    if (!this.enabled) return;
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
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
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
