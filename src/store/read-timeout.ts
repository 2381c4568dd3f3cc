/** How long a silent connection is given, by default, before it counts as stalled. */
export const DEFAULT_READ_TIMEOUT_MS = 30_000;

/** `COREDUMP_READ_TIMEOUT` seconds, else the default: for every S3 call and every chunk of a fetch. */
export function readTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.COREDUMP_READ_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_READ_TIMEOUT_MS;
}
