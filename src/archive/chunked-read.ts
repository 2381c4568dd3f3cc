import type { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";

/** Opens bytes [start, end) of one object as a stream. */
export type RangeStreamer = (start: number, end: number, signal: AbortSignal) => Promise<Readable>;

export interface ChunkedReadOptions {
  /** Bytes per ranged GET. */
  chunkSize?: number;
  /** Ranged GETs in flight at once. */
  parallel?: number;
  /** Attempts after the first, per chunk, for transient failures. */
  retries?: number;
  /** A connection that sends nothing for this long is dropped and the chunk resumed. */
  idleTimeoutMs?: number;
  /** Failures that no retry can mend (denied, gone): they stop the read at once. */
  isPermanent?: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number, offset: number) => void;
  onBytes?: (count: number) => void;
  signal?: AbortSignal;
}

/**
 * Reads [start, end) of an object as several ranged GETs at once and yields the chunks in order, so that
 * one slow connection does not cap the speed. A chunk whose connection breaks or stalls is resumed from
 * its last received byte with a new Range request, after a backoff.
 */
export async function* readInChunks(
  open: RangeStreamer,
  start: number,
  end: number,
  options: ChunkedReadOptions = {},
): AsyncGenerator<Buffer> {
  // 4 chunks of 4 MiB in flight keep a fetch under 160 MB whatever the core's size (bench/fetch.ts).
  const chunkSize = options.chunkSize ?? 4 * 1024 * 1024;
  const parallel = options.parallel ?? 4;
  const abort = new AbortController();
  const stop = () => abort.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", stop, { once: true });
  const ranges: Array<[number, number]> = [];
  for (let offset = start; offset < end; offset += chunkSize)
    ranges.push([offset, Math.min(end, offset + chunkSize)]);
  const pending: Array<Promise<Buffer>> = [];
  let next = 0;
  const launch = () => {
    while (pending.length < parallel && next < ranges.length) {
      const [from, to] = ranges[next++] as [number, number];
      const chunk = readChunk(open, from, to, abort.signal, options);
      chunk.catch(() => undefined); // awaited in order below; a later chunk's failure must not go unhandled
      pending.push(chunk);
    }
  };
  try {
    launch();
    while (pending.length > 0) {
      const chunk = await (pending.shift() as Promise<Buffer>);
      launch();
      yield chunk;
    }
  } finally {
    abort.abort();
    options.signal?.removeEventListener("abort", stop);
  }
}

async function readChunk(
  open: RangeStreamer,
  start: number,
  end: number,
  signal: AbortSignal,
  options: ChunkedReadOptions,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  let received = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      const body = await open(start + received, end, signal);
      for await (const piece of withIdleTimeout(body, options.idleTimeoutMs ?? 30_000)) {
        parts.push(piece);
        received += piece.length;
        options.onBytes?.(piece.length);
      }
      if (received !== end - start) {
        throw new Error(`connection closed after ${received} of ${end - start} bytes at offset ${start}`);
      }
      return Buffer.concat(parts, received);
    } catch (error) {
      if (signal.aborted || options.isPermanent?.(error) || attempt >= (options.retries ?? 5)) throw error;
      options.onRetry?.(error, attempt + 1, start + received);
      await sleep(Math.min(200 * 2 ** attempt, 5000), undefined, { signal });
    }
  }
}

/** The stream's chunks, failing if none arrives for `idleMs`: a stalled connection never ends by itself. */
async function* withIdleTimeout(stream: Readable, idleMs: number): AsyncGenerator<Buffer> {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => stream.destroy(new Error(`no data for ${idleMs / 1000} s: connection stalled`)),
      idleMs,
    );
  };
  try {
    arm();
    for await (const piece of stream) {
      arm();
      yield piece as Buffer;
    }
  } finally {
    clearTimeout(timer);
    stream.destroy();
  }
}
