import { crashTime, type Dump } from "../catalog/dump.js";
import type { CoreSummary } from "../elf/core-summary.js";
import type { Report, ReportInput } from "./report.js";

/** The fields every runtime's report starts with: which dump, which pod, which executable and how proven. */
export type ReportHeader = Pick<
  Report,
  | "id"
  | "timestamp"
  | "namespace"
  | "pod"
  | "nodeHostname"
  | "images"
  | "executable"
  | "machine"
  | "exePath"
  | "pid"
  | "signal"
  | "signalName"
>;

/** How an executable was proven, in words, where it was not by its GNU build-id. */
const VERIFICATION_NOTES: Record<string, string> = {
  "image-digest-and-version": "verified by image digest and version, not by build-id",
  "go-build-id": "verified by Go build ID",
  none: "not verified (--no-verify)",
};

export function reportHeader(
  dump: Dump,
  executable: ReportInput["executable"],
  summary: CoreSummary | undefined,
): ReportHeader {
  const note = executable.path === null ? undefined : VERIFICATION_NOTES[executable.verification ?? ""];
  return {
    id: dump.id,
    timestamp: crashTime(dump)?.toISOString() ?? null,
    namespace: dump.namespace,
    pod: dump.pod,
    nodeHostname: dump.nodeHostname ?? null,
    images: (dump.metadata?.images ?? []).flatMap((image) => image.repoDigests[0] ?? image.repoTags[0] ?? []),
    executable:
      executable.path === null
        ? null
        : {
            path: executable.path,
            buildId: executable.buildId,
            source: executable.source,
            verification: executable.verification ?? "build-id",
            ...(note ? { verificationNote: note } : {}),
          },
    machine: summary ? { name: summary.machine.name, architecture: summary.machine.ociArchitecture } : null,
    exePath: dump.exePath ?? null,
    pid: dump.pid ?? null,
    signal: dump.signal ?? null,
    signalName: dump.signalName ?? null,
  };
}
