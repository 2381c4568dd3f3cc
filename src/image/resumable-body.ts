import { Readable } from "node:stream";
import { RegistryError } from "./registry-error.js";
import { isTransient, networkErrorCode, type RetryLimits } from "./retry-policy.js";

/** Opens the blob again from `offset` on (a GET with `Range: bytes=offset-`). */
export type Reopen = (offset: number) => Promise<Response>;

/**
 * A blob's body that carries on where a broken or silent connection left it (model: go-containerregistry's
 * resumable transport): a `Range` request from the next byte; a registry that answers 206 continues there,
 * one that ignores the range (200) is read again from its start and the bytes already passed on are
 * skipped. At most `limits.resumes` times, then one RegistryError.
 */
export function resumableBody(first: Response, reopen: Reopen, limits: RetryLimits, what: string): Readable {
  async function* bytes(): AsyncGenerator<Buffer> {
    let response = first;
    let offset = 0;
    let skip = 0;
    for (let resumes = 0; ; resumes++) {
      try {
        for await (const chunk of response.body ?? []) {
          let part = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
          if (skip > 0) {
            const dropped = Math.min(skip, part.length);
            skip -= dropped;
            part = part.subarray(dropped);
            if (part.length === 0) continue;
          }
          offset += part.length;
          yield part;
        }
        return;
      } catch (error) {
        if (!isTransient(error)) throw error;
        if (resumes >= limits.resumes)
          throw new RegistryError(
            "unreachable",
            `${what}: the connection broke (${networkErrorCode(error)}) ${resumes + 1} times, the last at byte ${offset}: try again later`,
          );
      }
      response = await reopen(offset);
      skip = await resumePoint(response, offset, what);
    }
  }
  return Readable.from(bytes(), { objectMode: false });
}

/** How many bytes of the new answer were passed on already: none after a 206 from `offset`, all of them after a 200. */
async function resumePoint(response: Response, offset: number, what: string): Promise<number> {
  if (response.status === 200) return offset;
  const start = /^bytes (\d+)-/.exec(response.headers.get("content-range") ?? "")?.[1];
  if (response.status === 206 && Number(start) === offset) return 0;
  await response.body?.cancel();
  throw new RegistryError(
    "protocol",
    `${what}: resuming at byte ${offset} got HTTP ${response.status} (${response.headers.get("content-range") ?? "no Content-Range"})`,
  );
}
