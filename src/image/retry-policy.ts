/**
 * When a registry request is tried again, and for how long (model: go-containerregistry's retry and
 * resumable transports). Pure: no I/O, so that it is tested on plain values.
 */
export interface RetryLimits {
  /** Tries of one request, the first included. */
  attempts: number;
  /** The first wait; each next one doubles, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** The most one request waits between its tries, in all; a longer `Retry-After` ends the tries. */
  totalWaitMs: number;
  /** A connection that sends nothing for this long (before the headers, or within a body) is given up. */
  stallMs: number;
  /** How many times one blob download resumes after its connection broke. */
  resumes: number;
}

export const REGISTRY_RETRY_LIMITS: Readonly<RetryLimits> = {
  attempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  totalWaitMs: 60_000,
  stallMs: 30_000,
  resumes: 8,
};

/** Answers that say "not now" rather than "no": too many requests, and a gateway's troubles. */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * The wait before try `attempt + 1` (attempt 0 is the first failure): exponential, with half of it
 * jittered so that many clients do not come back at once.
 */
export function backoffMs(attempt: number, limits: RetryLimits, random: () => number = Math.random): number {
  const full = Math.min(limits.maxDelayMs, limits.baseDelayMs * 2 ** attempt);
  return Math.round(full / 2 + (random() * full) / 2);
}

/** `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(
  header: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Errors of a connection that may well work when tried again (not a refused or unknown host). */
const TRANSIENT_CODES = new Set([
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "ERR_STREAM_PREMATURE_CLOSE",
  "COREDUMP_STALLED",
]);

/** The code of a network error, looking through fetch's `TypeError: fetch failed` to its cause. */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isTransient(error: unknown): boolean {
  const code = networkErrorCode(error);
  return code !== undefined && TRANSIENT_CODES.has(code);
}
