import { signalName } from "../util/signals.js";
import { type DumpObjects, storedObjectOf } from "./group.js";
import type { Compression } from "./key-name.js";
import { parseStem } from "./key-name.js";
import { coreEntryOf, type DumpMetadata } from "./read-metadata.js";

/** Whether a dump can be worked on, as coredumpctl's COREFILE column says it. */
export type DumpState =
  | "present"
  | "no core"
  | "empty core"
  | "no info"
  | "bad info"
  | "denied"
  | "corrupt"
  | "unread";

/** One dump: what its names say, corrected by what its JSON says where that was read. */
export interface Dump {
  /** The uuid; for a dump from before the handler used uuids, its name stem. */
  id: string;
  stem: string;
  folder: string;
  layout: "loose" | "zip";
  /** When it crashed, in milliseconds since the epoch (see `crashTime`): 100,000 Dates are 9.6 MB. */
  time?: number;
  namespace: string | null;
  pod: string | null;
  hostname?: string;
  nodeHostname?: string;
  exe?: string;
  exePath?: string;
  pid?: number;
  signal?: number;
  signalName?: string;
  /** Bytes stored for the core: the core object, or the whole zip. */
  size: number;
  /** The core's own size where known without reading it (a bare core, a zip entry). */
  coreSize?: number;
  compression?: Compression;
  /** The machine the core was made on (`x86_64`, `aarch64`), where its header was read (see DumpMetadata). */
  machine?: string;
  state: DumpState;
  complete: boolean;
  objects: DumpObjects;
  metadata?: DumpMetadata;
}

export function describeDump(objects: DumpObjects, described?: DumpMetadata): Dump {
  let metadata = described;
  const info = metadata?.dumpInfo ?? {};
  // Hostnames and executables may both hold hyphens: what was read says where the name splits.
  const fromName = parseStem(objects.stem, info.hostname ?? metadata?.pod?.pod);
  // A time past what a Date holds (year 275760) is the dump's fault: no time, and the state says so.
  // A listing may not have read dump-info (the key name says the same): the name's time is judged then.
  const claimed = info.timestamp ?? fromName.timestamp;
  const time = millisecondsOf(claimed);
  const badTime = claimed !== undefined && time === undefined;
  const signal = info.signal ?? fromName.signal;
  const coreEntry = metadata ? coreEntryOf(metadata) : undefined;
  const stored = storedObjectOf(objects);
  const found = dumpStateOf(objects, metadata, coreEntry?.uncompressedSize);
  const state = badTime && found === "present" ? "bad info" : found;
  if (badTime && metadata)
    metadata = {
      ...metadata,
      problems: [
        ...metadata.problems,
        `${info.timestamp !== undefined ? "dump-info.json" : "the key name"}: timestamp ${claimed} is not a time`,
      ],
    };
  // Once the JSON is read it is the truth: a pod it does not name is unknown, whatever the hostname.
  const pod = known(metadata ? metadata.pod?.pod : fromName.hostname);
  const hostname = info.hostname ?? fromName.hostname;
  // One literal, every field in it: fields added later would each cost 100,000 dumps a property store.
  return {
    id: info.uuid ?? fromName.uuid ?? objects.stem,
    stem: objects.stem,
    folder: objects.folder,
    layout: objects.zip ? "zip" : "loose",
    time,
    namespace: known(metadata?.pod?.namespace),
    pod,
    // Mostly the pod's name: one copy of it, not two.
    hostname: hostname === pod ? pod : hostname,
    nodeHostname: info.nodeHostname,
    exe: info.exe ?? fromName.exe,
    exePath: info.exePath,
    pid: info.pid ?? fromName.pid,
    signal,
    signalName: signalName(signal),
    size: stored?.size ?? 0,
    coreSize:
      coreEntry?.uncompressedSize ?? (objects.core?.compression === "none" ? objects.core.size : undefined),
    compression: objects.zip ? "zip" : objects.core?.compression,
    machine: metadata?.machine,
    state,
    complete: state === "present",
    objects,
    metadata,
  };
}

function dumpStateOf(
  objects: DumpObjects,
  metadata: DumpMetadata | undefined,
  zipCoreSize: number | undefined,
): DumpState {
  if (metadata?.state === "denied") return "denied";
  if (metadata?.state === "corrupt") return "corrupt";
  const coreSize = objects.zip ? zipCoreSize : objects.core?.size;
  if (objects.zip ? metadata !== undefined && zipCoreSize === undefined : !objects.core) return "no core";
  if (coreSize === 0) return "empty core";
  if (!metadata) return objects.zip || objects.dumpInfo ? "unread" : "no info";
  if (metadata.state === "missing") return "no info";
  if (metadata.state === "malformed") return "bad info";
  return "present";
}

/** The crash time as a Date, for printing. */
export function crashTime(dump: Dump): Date | undefined {
  return dump.time === undefined ? undefined : new Date(dump.time);
}

/** Seconds as milliseconds, where a Date holds them (up to the year 275760). */
function millisecondsOf(seconds: number | undefined): number | undefined {
  if (seconds === undefined) return undefined;
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.getTime();
}

/** The handler writes `unknown` where its lookup failed: that is no name at all. */
function known(value: string | undefined): string | null {
  return value === undefined || value === "" || value === "unknown" ? null : value;
}
