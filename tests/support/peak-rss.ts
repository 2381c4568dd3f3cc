import { execa } from "execa";
import { type CliResult, cliEnvironment, coredumpBinary } from "./cli.js";

/** Runs `coredump` under GNU time and returns, besides its result, its peak resident set in bytes. */
export async function coredumpPeakRss(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult & { peakRss: number }> {
  const result = await execa(
    "/usr/bin/time",
    ["-f", "coredump-peak-rss-kib %M", process.execPath, coredumpBinary(), ...args],
    { env: cliEnvironment(env), extendEnv: false, reject: false, stdin: "ignore" },
  );
  const match = /coredump-peak-rss-kib (\d+)\s*$/.exec(result.stderr);
  if (!match) throw new Error(`no peak RSS from /usr/bin/time:\n${result.stderr}`);
  return {
    exitCode: result.exitCode ?? -1,
    stdout: result.stdout,
    // GNU time says a failure's status too: coredump's stderr is what comes before.
    stderr: result.stderr.slice(0, match.index).replace(/Command exited with non-zero status \d+\n$/, ""),
    peakRss: Number(match[1]) * 1024,
  };
}
