import { verificationOf } from "../../binaries/resolve-executable.js";
import { machineLabel } from "../../elf/index.js";
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
  const { dump, folder, fetched, executable, core } = await prepareDump(id, flags, "fetch", settings);
  if (flags.json) {
    const result = {
      id: dump.id,
      dir: folder.dir,
      core: folder.core,
      coreSize: fetched.record.coreSize,
      files: fetched.record.files,
      reused: fetched.reused,
      machine: core?.machine.name ?? null,
      executable: executable.path,
      ...(executable.path === null
        ? { reason: executable.reason }
        : {
            buildId: executable.buildId,
            executableSource: executable.source,
            executableDetail: executable.detail,
            verification: verificationOf(executable),
            ...(executable.goBuildId ? { goBuildId: executable.goBuildId } : {}),
          }),
    };
    process.stdout.write(jsonText(result));
    return;
  }
  const disk = fetched.written === undefined ? "" : `, ${formatSize(fetched.written)} on disk`;
  const buildId =
    executable.path !== null && executable.verification === "image-digest-and-version"
      ? `the file's build-id ${executable.buildId || "unknown"} (the core holds none)`
      : executable.path !== null && executable.goBuildId
        ? `Go build ID ${executable.goBuildId} (the core holds no GNU build-id)`
        : `build-id ${executable.path === null ? "" : executable.buildId || "unknown"}`;
  const binary =
    executable.path === null
      ? `none: ${executable.reason}`
      : `${executable.path}\n              ${executable.detail}, ${buildId}`;
  const machine =
    core &&
    `${machineLabel(core.machine)}${core.hasFileNote ? "" : ", a core without NT_FILE or build-ids (as qemu-user writes them)"}`;
  writeHuman(
    process.stdout,
    [
      `${fetched.reused ? "already fetched" : "fetched"} ${dump.id} into ${folder.dir}/`,
      `  core        ${folder.core} (${formatSize(fetched.record.coreSize)}${disk})`,
      ...(machine ? [`  machine     ${machine}`] : []),
      `  executable  ${binary}`,
      `  metadata    ${fetched.record.files.filter((file) => file !== "core").join(", ") || "-"}`,
      "",
    ].join("\n"),
  );
  // What to run next, for a person: on stderr, so that stdout stays what was fetched.
  if (!flags.quiet)
    writeHuman(
      process.stderr,
      `coredump: next: coredump report ${dump.id} (what killed it), or coredump debug ${dump.id} (${executable.path !== null && executable.goBuildId ? "dlv" : "llnode"})\n`,
    );
}
