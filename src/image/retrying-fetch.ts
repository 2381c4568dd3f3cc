import { RegistryError } from "./registry-error.js";
import {
  backoffMs,
  isTransient,
  networkErrorCode,
  RETRY_STATUSES,
  type RetryLimits,
  retryAfterMs,
} from "./retry-policy.js";
import { watchedFetch } from "./watched-fetch.js";

export type Sleep = (ms: number) => Promise<void>;

const sleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A GET tried again on 429, 502, 503 and 504 (waiting at least what `Retry-After` asks) and on reset or
 * stalled connections, with backoff and jitter, within `limits`; then one RegistryError that says what
 * happened. Other methods are sent once. Any other answer is returned as it is.
 */
export async function fetchWithRetries(
  url: URL,
  init: RequestInit,
  limits: RetryLimits,
  wait: Sleep = sleep,
): Promise<Response> {
  if ((init.method ?? "GET") !== "GET") return watchedFetch(url, init, limits.stallMs);
  let waited = 0;
  for (let attempt = 0; ; attempt++) {
    let why: string;
    let asked: number | undefined;
    try {
      const response = await watchedFetch(url, init, limits.stallMs);
      if (!RETRY_STATUSES.has(response.status)) return response;
      why = `answered HTTP ${response.status}`;
      asked = retryAfterMs(response.headers.get("retry-after"));
      await response.body?.cancel();
    } catch (error) {
      if (!isTransient(error)) throw error;
      const code = networkErrorCode(error);
      why =
        code === "COREDUMP_STALLED"
          ? `sent nothing for ${limits.stallMs / 1000} s`
          : `broke the connection (${code})`;
    }
    const delay = Math.max(asked ?? 0, backoffMs(attempt, limits));
    const tries = attempt + 1;
    if (tries >= limits.attempts || waited + delay > limits.totalWaitMs) {
      const longWait =
        asked !== undefined && waited + asked > limits.totalWaitMs
          ? ` (it asks to wait ${Math.round(asked / 1000)} s more)`
          : "";
      throw new RegistryError(
        "unreachable",
        `${url.origin} ${why} at the last of ${tries} ${tries === 1 ? "try" : "tries"} of ${url.pathname} over ${(waited / 1000).toFixed(1)} s${longWait}: try again later`,
      );
    }
    await wait(delay);
    waited += delay;
  }
}

/** Runs `operation` again when it fails with a transient connection error, within `limits`. */
export async function retryTransient<T>(
  operation: () => Promise<T>,
  limits: RetryLimits,
  wait: Sleep = sleep,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!isTransient(error) || attempt + 1 >= limits.attempts) throw error;
      await wait(backoffMs(attempt, limits));
    }
  }
}
