/**
 * One pull of /usr/local/bin/node out of an image, as `coredump fetch` pulls an executable: the child that
 * bench/registry-faults.ts times. Usage: node dist/bench/support/pull-node.js REGISTRY/REPOSITORY:TAG
 * SHA256. Exits 1 unless the pulled file hashes to SHA256.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pullFileFromImage } from "../../src/image/image-file.js";
import { anonymousKeychain } from "../../src/image/keychain.js";
import { parseReference } from "../../src/image/reference.js";
import { sha256File } from "../../src/util/sha256-file.js";

const [reference, expected] = process.argv.slice(2);
if (!reference || !expected) throw new Error("usage: pull-node.js REGISTRY/REPOSITORY:TAG SHA256");
const workDir = await mkdtemp(path.join(tmpdir(), "coredump-bench-pull-"));
try {
  const pulled = await pullFileFromImage({
    reference: parseReference(reference),
    platform: { os: "linux", architecture: "amd64" },
    candidates: () => ["/usr/local/bin/node"],
    workDir,
    keychain: anonymousKeychain,
  });
  const actual = await sha256File(pulled.file);
  if (actual !== expected) throw new Error(`pulled ${actual}, expected ${expected}`);
} finally {
  await rm(workDir, { recursive: true, force: true });
}
