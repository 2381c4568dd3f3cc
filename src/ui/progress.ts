import { plainTerminal } from "./colour.js";

/**
 * One line of a terminal, redrawn in place. With colour it is erased with `ESC[K`; plain (NO_COLOR,
 * --no-color) with a carriage return and spaces only, no escape sequence at all.
 */
export class StatusLine {
  private width = 0;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  draw(text: string): void {
    if (plainTerminal()) {
      this.stream.write(`\r${text}${" ".repeat(Math.max(0, this.width - text.length))}`);
      this.width = text.length;
    } else {
      this.stream.write(`\r${text}\u001b[K`);
      this.width = text.length;
    }
  }

  clear(): void {
    if (this.width === 0) return;
    this.stream.write(plainTerminal() ? `\r${" ".repeat(this.width)}\r` : "\r\u001b[K");
    this.width = 0;
  }
}

/** A one-line counter on stderr for work that takes a while; silent when stderr is not a terminal. */
export class Counter {
  private lastDraw = 0;
  private readonly line: StatusLine;

  constructor(
    private readonly label: string,
    stream: NodeJS.WriteStream = process.stderr,
    private readonly enabled = stream.isTTY === true,
  ) {
    this.line = new StatusLine(stream);
  }

  update(done: number, total: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (done < total && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    this.line.draw(`${this.label} ${done}/${total}`);
  }

  done(): void {
    this.line.clear();
  }
}
