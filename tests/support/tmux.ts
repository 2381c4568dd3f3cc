import { randomBytes } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";

/** A program in a real terminal (tmux), driven by keystrokes and read from the screen, as a person would. */
export class TmuxSession {
  private constructor(private readonly name: string) {}

  /** Starts `command` in a detached session; when it exits the screen shows `exit status N`. */
  static async start(command: readonly string[], env: Record<string, string>): Promise<TmuxSession> {
    const name = `coredump-test-${randomBytes(4).toString("hex")}`;
    const script = path.join(await mkdtemp(path.join(tmpdir(), "coredump-tmux-")), "run.sh");
    const exports = Object.entries(env).map(([key, value]) => `export ${key}=${quote(value)}`);
    const line = command.map(quote).join(" ");
    await writeFile(script, [...exports, `${line}`, 'echo "exit status $?"', "sleep 600", ""].join("\n"));
    await execa("tmux", ["new-session", "-d", "-s", name, "-x", "220", "-y", "50", `bash ${quote(script)}`]);
    return new TmuxSession(name);
  }

  async screen(): Promise<string> {
    const { stdout } = await execa("tmux", ["capture-pane", "-p", "-J", "-S", "-500", "-t", this.name]);
    return stdout;
  }

  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const screen = await this.screen();
      if (pattern.test(screen)) return screen;
      if (Date.now() > until) throw new Error(`the terminal never showed ${pattern}:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Appends every byte the program writes to the terminal, escapes included, to `file` from now on. */
  async record(file: string): Promise<void> {
    await execa("tmux", ["pipe-pane", "-o", "-t", this.name, `cat >> ${quote(file)}`]);
  }

  async type(text: string): Promise<void> {
    await execa("tmux", ["send-keys", "-t", this.name, text, "Enter"]);
  }

  /** A key by tmux's name: `Enter`, `Down`, `C-c`. */
  async press(key: string): Promise<void> {
    await execa("tmux", ["send-keys", "-t", this.name, key]);
  }

  async kill(): Promise<void> {
    await execa("tmux", ["kill-session", "-t", this.name], { reject: false });
  }
}

function quote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}
