import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { createGunzip } from "node:zlib";
import { extract as tarExtract } from "tar-stream";

/** Writes one regular file of a `.tgz` to `destination`; false when the tarball has no such member. */
export async function extractTarballMember(
  tarball: string,
  member: string,
  destination: string,
): Promise<boolean> {
  const extract = tarExtract();
  const gunzip = createGunzip({ chunkSize: 256 << 10 });
  const source = createReadStream(tarball);
  source.on("error", (error) => gunzip.destroy(error));
  gunzip.on("error", (error) => extract.destroy(error));
  source.pipe(gunzip).pipe(extract);
  let found = false;
  for await (const entry of extract) {
    if (!found && entry.header.name === member && entry.header.type === "file") {
      const file = await open(destination, "w", 0o600);
      try {
        for await (const chunk of entry) await file.write(chunk as Uint8Array);
      } finally {
        await file.close();
      }
      found = true;
      source.destroy();
      break;
    }
    entry.resume();
  }
  return found;
}
