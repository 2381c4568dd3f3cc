import { InterruptedError } from "../../errors.js";
import { fetchDump } from "../../fetch/fetch-dump.js";
import { formatSize } from "../../ui/format.js";
import { TransferProgress } from "../../ui/transfer-progress.js";
import { DumpFolder, workdirFrom } from "../../workspace/dump-folder.js";
import { openCatalogue } from "../open-catalogue.js";
import { pickDump } from "../pick-dump.js";
import type { StoreFlags } from "../store-options.js";

export interface FetchFlags extends StoreFlags {
  workdir?: string;
  json?: boolean;
  force?: boolean;
  quiet?: boolean;
}

export async function fetch(id: string | undefined, flags: FetchFlags): Promise<void> {
  const catalogue = await openCatalogue(flags);
  const dump = await pickDump(catalogue, id, "fetch");
  const folder = new DumpFolder(workdirFrom(flags.workdir), dump.id);
  const progress = new TransferProgress(
    `fetching ${dump.id.slice(0, 8)}`,
    !flags.quiet && process.stderr.isTTY === true,
  );
  const interrupted = new AbortController();
  const onInterrupt = () => interrupted.abort(new InterruptedError("interrupted: no core was written"));
  process.once("SIGINT", onInterrupt);
  process.once("SIGTERM", onInterrupt);
  try {
    const fetched = await fetchDump(catalogue.store, dump, folder, {
      force: flags.force === true,
      signal: interrupted.signal,
      onStart: (bytes) => progress.start(bytes),
      onBytes: (count) => progress.add(count),
      onRetry: (message) => flags.quiet || process.stderr.write(`coredump: ${message}\n`),
      ...readTimeout(),
    });
    progress.stop();
    const result = {
      id: dump.id,
      dir: folder.dir,
      core: folder.core,
      coreSize: fetched.record.coreSize,
      files: fetched.record.files,
      reused: fetched.reused,
      executable: null,
      reason: "executable lookup is not available yet",
    };
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return;
    }
    const disk = fetched.written === undefined ? "" : `, ${formatSize(fetched.written)} on disk`;
    process.stdout.write(
      [
        `${fetched.reused ? "already fetched" : "fetched"} ${dump.id} into ${folder.dir}/`,
        `  core        ${folder.core} (${formatSize(fetched.record.coreSize)}${disk})`,
        `  metadata    ${fetched.record.files.filter((file) => file !== "core").join(", ") || "-"}`,
        "",
      ].join("\n"),
    );
  } finally {
    progress.stop();
    process.off("SIGINT", onInterrupt);
    process.off("SIGTERM", onInterrupt);
  }
}

/** `COREDUMP_READ_TIMEOUT` seconds: how long a silent connection is given before it is resumed anew. */
function readTimeout(): { idleTimeoutMs?: number } {
  const seconds = Number(process.env.COREDUMP_READ_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? { idleTimeoutMs: seconds * 1000 } : {};
}
