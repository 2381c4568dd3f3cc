import { crashTime, type Dump } from "../catalog/dump.js";
import { keysOf } from "../catalog/group.js";

/** The `list --json` contract: field names and meanings that scripts rely on. */
export function dumpSummaryJson(dump: Dump) {
  return {
    id: dump.id,
    timestamp: crashTime(dump)?.toISOString() ?? null,
    namespace: dump.namespace,
    pod: dump.pod,
    hostname: dump.hostname ?? null,
    nodeHostname: dump.nodeHostname ?? null,
    exe: dump.exe ?? null,
    exePath: dump.exePath ?? null,
    pid: dump.pid ?? null,
    signal: dump.signal ?? null,
    signalName: dump.signalName ?? null,
    size: dump.size,
    coreSize: dump.coreSize ?? null,
    layout: dump.layout,
    compression: dump.compression ?? null,
    machine: dump.machine ?? null,
    state: dump.state,
    complete: dump.complete,
    keys: keysOf(dump.objects),
  };
}

/** `info --json`: the summary and everything the dump's JSON said. */
export function dumpDetailJson(dump: Dump) {
  const metadata = dump.metadata;
  return {
    ...dumpSummaryJson(dump),
    podUid: metadata?.pod?.podUid ?? null,
    labels: metadata?.pod?.labels ?? {},
    annotations: metadata?.pod?.annotations ?? {},
    containers: metadata?.containers ?? [],
    images: metadata?.images ?? [],
    entries: metadata?.entries ?? null,
    fileNote: metadata?.fileNote ?? null,
    problems: metadata?.problems ?? [],
  };
}
