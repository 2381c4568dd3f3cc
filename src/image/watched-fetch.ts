/** A connection that went silent: no headers, or no next byte of the body, for too long. */
export class StalledError extends Error {
  readonly code = "COREDUMP_STALLED";
  override name = "StalledError";
}

/** Statuses whose answers have no body: a Response cannot be built around one. */
const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * `fetch`, given up with a StalledError when `stallMs` pass without the headers, or later without a
 * byte of the body. A slow download is fine; a silent one is not.
 */
export async function watchedFetch(url: URL, init: RequestInit, stallMs: number): Promise<Response> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const stop = () => clearTimeout(timer);
  const arm = () => {
    stop();
    timer = setTimeout(
      () => controller.abort(new StalledError(`${url.origin} sent nothing for ${stallMs / 1000} s`)),
      stallMs,
    );
    timer.unref();
  };
  arm();
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: controller.signal });
  } catch (error) {
    stop();
    throw controller.signal.aborted ? controller.signal.reason : error;
  }
  if (!response.body || NO_BODY.has(response.status)) {
    stop();
    return response;
  }
  arm();
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, output) {
        arm();
        output.enqueue(chunk);
      },
      flush: stop,
    }),
  );
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
