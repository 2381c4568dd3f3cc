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
