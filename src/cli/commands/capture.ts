import { mkdtemp, rename, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { packCapture } from "../../capture/capture-zip.js";
import { takeCore } from "../../capture/gcore.js";
import { processFacts } from "../../capture/process-facts.js";
import { UsageError } from "../../errors.js";
import type { Settings } from "../../settings.js";
import { s3ConfigFrom } from "../../store/s3-config.js";
import { formatSize } from "../../ui/format.js";
import { writeHuman } from "../../ui/untrusted-text.js";
import { forgetAtExit, removeAtExit } from "../../util/interrupt.js";
import { makeFolder } from "../../workspace/writable-folder.js";
import type { StoreFlags } from "../store-options.js";

export interface CaptureFlags extends StoreFlags {
  upload?: boolean;
}

/** A core of a live process (hung, slow, leaking), packed like a crash's dump, in a folder or the bucket. */
export async function capture(pidText: string, flags: CaptureFlags, settings: Settings): Promise<void> {
  if (!/^[1-9]\d*$/.test(pidText)) throw new UsageError(`capture ${pidText}: give the process id, a number`);
  const pid = Number(pidText);
  const bucket = flags.upload ? s3ConfigFrom(flags, settings.env) : undefined;
  if (flags.upload && !bucket)
    throw new UsageError("--upload needs a bucket: --bucket NAME or S3_BUCKET_NAME");
  const facts = await processFacts(pid, settings);
  const target = path.resolve(flags.dir ?? ".", flags.prefix ?? "");
  // The raw core is big and not sparse: it is made beside where the zip goes, and removed after.
  const scratchParent = bucket ? tmpdir() : target;
  await makeFolder(scratchParent, "--dir", 0o755);
  const scratch = await mkdtemp(path.join(scratchParent, ".coredump-capture-"));
  // The raw core is as large as the process's memory: Ctrl-C must not leave it behind.
  removeAtExit(scratch);
  try {
    writeHuman(
      process.stderr,
      `coredump: taking a core of ${facts.exePath} (pid ${pid}) with gcore; it keeps running\n`,
    );
    const core = await takeCore(pid, scratch, settings);
    const packed = await packCapture(core, facts, scratch);
    const size = formatSize((await stat(packed.file)).size);
    if (!bucket) {
      // The scratch folder is inside the target: one rename, and the dump appears whole.
      const file = path.join(target, packed.name);
      await rename(packed.file, file);
      writeHuman(process.stdout, `captured ${packed.uuid}: ${file} (${size})\n`);
      return;
    }
    const { S3Store } = await import("../../store/s3-store.js");
    const key = `${bucket.prefix}${packed.name}`;
    await new S3Store(bucket, settings.env, settings.limits.storeReadMs).putFile(key, packed.file);
    writeHuman(process.stdout, `captured ${packed.uuid}: s3://${bucket.bucket}/${key} (${size})\n`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
    forgetAtExit(scratch);
  }
}
