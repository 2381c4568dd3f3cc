import type { Command } from "commander";

/** The filters `list` and `groups` share. */
export function addFilterOptions(command: Command): Command {
  return command
    .option("--namespace <ns>", "only dumps from this Kubernetes namespace (glob patterns allowed)")
    .option("--pod <pod>", "only dumps of this pod (glob patterns allowed, e.g. 'shop-*')")
    .option("--exe <name>", "only dumps of this executable, e.g. node")
    .option("--signal <signal>", "only dumps killed by this signal: SIGSEGV, segv or 11")
    .option("--since <when>", "only dumps since a time: a duration back from now (2h, 7d) or a date")
    .option("--until <when>", "only dumps until a time: a duration back from now or a date");
}
