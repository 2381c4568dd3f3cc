import type { Settings } from "../../settings.js";
import { formatSize } from "../../ui/format.js";
import { jsonText, writeHuman } from "../../ui/untrusted-text.js";
import { type FetchFlags, prepareDump } from "../prepare-dump.js";

export interface FetchCommandFlags extends FetchFlags {
  json?: boolean;
}

export async function fetchIntoWorkdir(
  id: string | undefined,
  flags: FetchCommandFlags,
  settings: Settings,
): Promise<void> {
  const { dump, folder, fetched, executable } = await prepareDump(id, flags, "fetch", settings);
  if (flags.json) {
    const result = {
      id: dump.id,
      dir: folder.dir,
      core: folder.core,
      coreSize: fetched.record.coreSize,
      files: fetched.record.files,
      reused: fetched.reused,
      executable: executable.path,
      ...(executable.path === null
        ? { reason: executable.reason }
        : {
            buildId: executable.buildId,
            executableSource: executable.source,
            executableDetail: executable.detail,
          }),
    };
    process.stdout.write(jsonText(result));
    return;
  }
  const disk = fetched.written === undefined ? "" : `, ${formatSize(fetched.written)} on disk`;
  const binary =
    executable.path === null
      ? `none: ${executable.reason}`
      : `${executable.path}\n              ${executable.detail}, build-id ${executable.buildId || "unknown"}`;
  writeHuman(
    process.stdout,
    [
      `${fetched.reused ? "already fetched" : "fetched"} ${dump.id} into ${folder.dir}/`,
      `  core        ${folder.core} (${formatSize(fetched.record.coreSize)}${disk})`,
      `  executable  ${binary}`,
      `  metadata    ${fetched.record.files.filter((file) => file !== "core").join(", ") || "-"}`,
      "",
    ].join("\n"),
  );
}
