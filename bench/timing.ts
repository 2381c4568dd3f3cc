/**
 * Wall time of whole processes, every contender measured the same way: spawned from here with stdin and
 * stdout on /dev/null, timed from the spawn to its exit. Contenders of one group take turns, round after
 * round, in a rotating order, so that a noisy neighbour slows them alike.
 */
import { spawn } from "node:child_process";

export interface Command {
  program: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
}

export interface Contender<Name extends string = string> {
  name: Name;
  /** Runs still to take. */
  runs: number;
  /** Seconds of runs taken before, measured the same way (a cold run that filled a cache). */
  earlier?: readonly number[];
  /** The command of one run; `round` counts from 0 (a cold run makes its fresh cache here). */
  command: (round: number) => Command;
  /** Called after each timed run, outside the time (a cold run removes its cache here). */
  after?: (round: number) => Promise<void>;
}

export interface Timing {
  name: string;
  /** Seconds, in the order measured. */
  samples: number[];
  median: number;
  min: number;
  max: number;
}

export interface Outcome {
  seconds: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; fails unless it exits 0. With `capture`, keeps its stdout. */
export function run(command: Command, capture = false): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const started = process.hrtime.bigint();
    let seconds = 0;
    const child = spawn(command.program, command.args, {
      env: command.env,
      stdio: ["ignore", capture ? "pipe" : "ignore", "pipe"],
    });
    child.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("exit", () => {
      seconds = Number(process.hrtime.bigint() - started) / 1e9;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const outcome = {
        seconds,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      };
      if (code === 0) resolve(outcome);
      else {
        const line = [command.program, ...command.args].join(" ");
        reject(new Error(`${line} exited ${code ?? signal}:\n${outcome.stderr.slice(-2000)}`));
      }
    });
  });
}

/** Times the contenders side by side: round r runs every contender with more than r runs. */
export async function measure<Name extends string>(
  contenders: readonly Contender<Name>[],
  log: (line: string) => void,
): Promise<Record<Name, Timing>> {
  const samples = new Map(contenders.map((contender) => [contender.name, [...(contender.earlier ?? [])]]));
  const rounds = Math.max(...contenders.map((contender) => contender.runs));
  for (let round = 0; round < rounds; round++) {
    const due = contenders.filter((contender) => round < contender.runs);
    const shift = round % due.length;
    for (const contender of [...due.slice(shift), ...due.slice(0, shift)]) {
      const { seconds } = await run(contender.command(round));
      await contender.after?.(round);
      samples.get(contender.name)?.push(seconds);
    }
    log(
      `round ${round + 1}/${rounds}: ${due
        .map((contender) => `${contender.name} ${format(samples.get(contender.name)?.at(-1) ?? 0)}`)
        .join(", ")}`,
    );
  }
  return Object.fromEntries(
    contenders.map(({ name }) => [name, summarise(name, samples.get(name) ?? [])]),
  ) as Record<Name, Timing>;
}

export function summarise(name: string, samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median =
    sorted.length % 2 === 1
      ? (sorted[Math.floor(middle)] ?? 0)
      : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return { name, samples, median, min: sorted[0] ?? 0, max: sorted.at(-1) ?? 0 };
}

/** `8.40 s`, or `112 ms` below a second. */
export function format(seconds: number): string {
  return seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${seconds.toFixed(2)} s`;
}

/** The ratio of two medians: `1.23×`. */
export function ratio(a: Timing, b: Timing): string {
  return `${(a.median / b.median).toFixed(2)}×`;
}

/**
 * Rows of `[label, timing]`: median, min, max, and the ratio of medians to each yardstick. Rows and
 * yardsticks without a timing (a contender not run) are left out.
 */
export function table(
  rows: Array<[string, Timing | undefined]>,
  yardsticks: Array<[string, Timing | undefined]>,
): string[] {
  const present = yardsticks.filter((pair): pair is [string, Timing] => pair[1] !== undefined);
  const header = ["", "median", "min", "max", ...present.map(([name]) => `vs ${name}`)];
  const body = rows
    .filter((pair): pair is [string, Timing] => pair[1] !== undefined)
    .map(([label, timing]) => [
      label,
      format(timing.median),
      format(timing.min),
      format(timing.max),
      ...present.map(([, yardstick]) => ratio(timing, yardstick)),
    ]);
  const all = [header, ...body];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? "").length)));
  const cell = (text: string, column: number) =>
    column === 0 ? text.padEnd(widths[0] ?? 0) : text.padStart(widths[column] ?? 0);
  return all.map((row) => `  ${row.map(cell).join("   ")}`);
}

/** A contender whose first run, its output captured, passes `check`; that run is its first sample. */
export interface Checked<Name extends string> extends Contender<Name> {
  check: (outcome: Outcome, round: number) => Promise<void>;
}

/**
 * Runs each contender once with its output captured and checks it (round -1, `after` once the check
 * passed), then times them all with that run as their first sample. `passed` ends the line logged per check.
 */
export async function timeChecked<Name extends string>(
  contenders: Array<Checked<Name>>,
  title: string,
  log: (line: string) => void,
  passed = "as expected",
): Promise<Record<Name, Timing>> {
  const timed: Array<Contender<Name>> = [];
  for (const contender of contenders) {
    log(`checking ${contender.name}`);
    const outcome = await run(contender.command(-1), true);
    await contender.check(outcome, -1);
    await contender.after?.(-1);
    log(`  ${format(outcome.seconds)}, ${passed}`);
    timed.push({ ...contender, runs: contender.runs - 1, earlier: [outcome.seconds] });
  }
  log(`${title}: ${Math.max(...timed.map((contender) => contender.runs))} rounds after the checked runs`);
  return measure(timed, (line) => log(`  ${line}`));
}
