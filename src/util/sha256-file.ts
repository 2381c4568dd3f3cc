import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/** The sha256 of a file's bytes, in lowercase hex, read as a stream (a core of gigabytes never whole in memory). */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }))
    hash.update(chunk as Buffer);
  return hash.digest("hex");
}
