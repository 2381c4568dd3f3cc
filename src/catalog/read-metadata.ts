import { openStoredZip } from "../archive/stored-zip.js";
import { type ZipEntry, ZipFormatError } from "../archive/zip-directory.js";
import { type CrashFacts, crashFacts } from "../crashlog/crash-signature.js";
import { crashFromLog } from "../crashlog/log-crash.js";
import { type Store, type StoredObject, StoreError } from "../store/store.js";
import { coreMachineInZip, coreMachineOfObject } from "./core-machine.js";
import type { DumpObjects } from "./group.js";
import { hostAndExeAmbiguous, parseStem } from "./key-name.js";
import {
  type ContainerInfo,
  type DumpInfo,
  type ImageInfo,
  type PodInfo,
  parseDumpInfo,
  parseImageInfo,
  parsePodInfo,
  parsePsInfo,
  parseRuntimeInfo,
} from "./metadata.js";

/** How far the dump's own description could be read. */
export type MetadataState = "ok" | "missing" | "malformed" | "denied" | "corrupt";

/** What a dump's JSON files say, gathered from whichever layout holds them. */
export interface DumpMetadata {
  state: MetadataState;
  dumpInfo?: DumpInfo;
  pod?: PodInfo;
  containers: ContainerInfo[];
  images: ImageInfo[];
  /**
   * Zip dumps: every entry, in archive order, with the core's among them. A listing's (`partial`) holds the
   * core's alone, named `.core`: its whole name repeats the dump's, and 100,000 of them are megabytes.
   */
  entries?: ZipEntrySummary[];
  /** Problems worth showing, one line each: `pod-info.json: not JSON`. */
  problems: string[];
  /** What the container log says of the death, where a log told of one. */
  crash?: CrashFacts;
  /**
   * The machine the core was made on (`aarch64`), from its ELF header: read by `info`, `fetch` and `report`
   * (the full depth), and known to a listing only from the cache once one of them has read the dump.
   */
  machine?: string;
  /** False where the core's notes were read and hold no NT_FILE (qemu-user's cores); absent where unknown. */
  fileNote?: boolean;
  /**
   * Read for a listing only: what the table, the filters and `groups` need (see `Depth`). `info`, `fetch`
   * and `report` read such a dump again, whole.
   */
  partial?: true;
}

/**
 * How much of a dump to read. `list`: one request per dump beyond the listing (a zip's tail, which holds
 * its directory and every entry after the core; a loose dump's runtime info, which names its namespace);
 * dump-info only where the key name does not already say what it says, a second request: a name that
 * does not follow the default template, or whose hostname and executable both hold hyphens and the pod's
 * name does not tell apart. `full`: everything.
 */
export type Depth = "list" | "full";

export type ZipEntrySummary = Pick<
  ZipEntry,
  "name" | "compressedSize" | "uncompressedSize" | "compressionMethod"
>;

/** The name a listing gives a zip's core entry (see `DumpMetadata.entries`). */
const CORE_ENTRY = ".core";

/** Entries and objects larger than this are not metadata, whatever their name says. */
const METADATA_LIMIT = 4 * 1024 * 1024;

export async function readMetadata(
  store: Store,
  dump: DumpObjects,
  depth: Depth = "full",
): Promise<DumpMetadata> {
  try {
    if (dump.zip) return await readZipMetadata(store, dump.zip, depth === "list" ? dump.stem : undefined);
    return depth === "list" ? await readLooseRuntime(store, dump) : await readLooseMetadata(store, dump);
  } catch (error) {
    if (error instanceof StoreError && (error.kind === "denied" || error.kind === "bad-credentials")) {
      return { state: "denied", containers: [], images: [], problems: [error.message] };
    }
    // Deleted between the listing and the read (lifecycle expiry, another user's clean).
    if (error instanceof StoreError && error.kind === "not-found") {
      return { state: "missing", containers: [], images: [], problems: [error.message] };
    }
    if (error instanceof ZipFormatError) {
      return { state: "corrupt", containers: [], images: [], problems: [error.message] };
    }
    throw error;
  }
}

async function readLooseMetadata(store: Store, dump: DumpObjects): Promise<DumpMetadata> {
  const problems: string[] = [];
  const load = async (object: StoredObject | undefined) =>
    object ? parseJson(object.key, await readSmall(store, object), problems) : undefined;
  const core = dump.core;
  const readable = core && (core.compression === "gzip" || core.compression === "none");
  const [dumpInfo, runtimeInfo, imageInfo, legacyInfo, machine] = await Promise.all([
    load(dump.dumpInfo),
    load(dump.runtimeInfo),
    load(dump.imageInfo),
    load(dump.legacyInfo),
    readable ? coreMachineOfObject(store, core, core.compression === "gzip") : undefined,
  ]);
  const runtime = runtimeInfo ?? legacyInfo;
  const metadata: DumpMetadata = {
    // The uuid-less era had no dump-info: its runtime file is all there is.
    state: dump.dumpInfo
      ? metadataStateOf(true, dumpInfo)
      : metadataStateOf(dump.legacyInfo !== undefined, legacyInfo),
    containers: [],
    images: imageInfo === undefined ? [] : [parseImageInfo(imageInfo)],
    problems,
  };
  if (dumpInfo !== undefined) metadata.dumpInfo = parseDumpInfo(dumpInfo);
  if (runtime !== undefined) metadata.pod = parseRuntimeInfo(runtime);
  if (machine) {
    metadata.machine = machine.machine;
    if (machine.fileNote !== undefined) metadata.fileNote = machine.fileNote;
  }
  return metadata;
}

/** The default template's name carries the uuid, time, hostname, executable, pid and signal. */
function nameSaysAll(stem: string): boolean {
  return parseStem(stem).timestamp !== undefined;
}

/**
 * A loose dump for a listing: its runtime info (one GET), for the namespace no key name holds. The dump
 * info is judged by its size in the listing (an empty one is no info), and read only where the key name and
 * the pod's name leave the hostname and executable undecided; `info` reads it whole.
 */
async function readLooseRuntime(store: Store, dump: DumpObjects): Promise<DumpMetadata> {
  const problems: string[] = [];
  const runtimeObject = dump.runtimeInfo ?? dump.legacyInfo;
  const runtime = runtimeObject
    ? parseJson(runtimeObject.key, await readSmall(store, runtimeObject), problems)
    : undefined;
  const pod = runtime === undefined ? undefined : trimmedPod(parseRuntimeInfo(runtime));
  const info = dump.dumpInfo ?? dump.legacyInfo;
  const metadata: DumpMetadata = {
    state: info === undefined ? "missing" : info.size === 0 ? "malformed" : "ok",
    containers: [],
    images: [],
    problems,
    partial: true,
  };
  if (pod) metadata.pod = pod;
  if (dump.dumpInfo && dump.dumpInfo.size > 0 && hostAndExeAmbiguous(dump.stem, pod?.pod)) {
    const json = parseJson(dump.dumpInfo.key, await readSmall(store, dump.dumpInfo), problems);
    metadata.state = metadataStateOf(true, json);
    if (json !== undefined) metadata.dumpInfo = hostAndExeOf(parseDumpInfo(json));
  }
  return metadata;
}

/** What a listing keeps of dump-info: what the key name could not say for certain. */
function hostAndExeOf(info: DumpInfo): DumpInfo {
  const kept: DumpInfo = {};
  if (info.hostname !== undefined) kept.hostname = info.hostname;
  if (info.exe !== undefined) kept.exe = info.exe;
  return kept;
}

/**
 * A zip's JSON and logs. For a listing (`listedStem`, the dump's name) whose key name says what dump-info
 * says, the entries read are those after the core, which the tail read that found the directory already
 * holds.
 */
async function readZipMetadata(
  store: Store,
  object: StoredObject,
  listedStem: string | undefined,
): Promise<DumpMetadata> {
  const skipDumpInfo = listedStem !== undefined && nameSaysAll(listedStem);
  const zip = await openStoredZip(store, object);
  const problems: string[] = [];
  const readable = withinBudget(
    zip.entries.filter(
      (entry) =>
        (entry.name.endsWith(".json") || entry.name.endsWith(".log")) &&
        entry.uncompressedSize <= METADATA_LIMIT &&
        !(skipDumpInfo && entry.name.endsWith("-dump-info.json")),
    ),
  );
  const small = skipDumpInfo ? readable.filter((entry) => !notForListing(entry.name)) : readable;
  const runtimeEntry = skipDumpInfo
    ? readable.find((entry) => entry.name.endsWith("-runtime-info.json"))
    : undefined;
  // Whatever of the entries after the core the tail did not hold, in one more request, not one each.
  const coreAt = zip.entries.find((entry) => entry.name.endsWith(".core"))?.localHeaderOffset ?? -1;
  const after = [...small, ...(runtimeEntry ? [runtimeEntry] : [])]
    .map((entry) => entry.localHeaderOffset)
    .filter((offset) => offset > coreAt);
  if (after.length > 0)
    await zip.prefetch(
      after.reduce((least, at) => Math.min(least, at)),
      object.size,
    );
  const [texts, machine] = await Promise.all([
    Promise.all(small.map(async (entry) => [entry, await zip.readEntry(entry)] as const)),
    skipDumpInfo ? undefined : coreMachineInZip(store, object, zip),
  ]);
  const dumpInfoEntry = zip.entries.find((entry) => entry.name.endsWith("-dump-info.json"));
  const metadata: DumpMetadata = {
    state:
      !skipDumpInfo || !dumpInfoEntry ? "missing" : dumpInfoEntry.uncompressedSize > 0 ? "ok" : "malformed",
    containers: [],
    images: [],
    problems,
    entries: zip.entries
      .filter((entry) => !skipDumpInfo || entry.name.endsWith(".core"))
      .map(({ name, compressedSize, uncompressedSize, compressionMethod }) => ({
        name: skipDumpInfo ? CORE_ENTRY : name,
        compressedSize,
        uncompressedSize,
        compressionMethod,
      })),
  };
  if (skipDumpInfo) metadata.partial = true;
  if (machine) {
    metadata.machine = machine.machine;
    if (machine.fileNote !== undefined) metadata.fileNote = machine.fileNote;
  }
  const imageNames = new Set<string>();
  let podInfo: PodInfo | undefined;
  let runtimeInfo: PodInfo | undefined;
  for (const [entry, bytes] of texts) {
    if (entry.name.endsWith(".log")) {
      // The first container whose log tells of a death: nothing records which container crashed.
      const crash = metadata.crash ? undefined : crashFromLog(bytes.toString("utf8"));
      if (crash) metadata.crash = crashFacts(crash);
      continue;
    }
    const json = parseJson(entry.name, bytes, problems);
    if (entry.name.endsWith("-dump-info.json")) {
      metadata.state = metadataStateOf(true, json);
      if (json !== undefined) metadata.dumpInfo = parseDumpInfo(json);
    } else if (json === undefined) {
      // Already noted as a problem.
    } else if (entry.name.endsWith("-pod-info.json")) {
      podInfo = parsePodInfo(json);
    } else if (entry.name.endsWith("-runtime-info.json")) {
      runtimeInfo = parseRuntimeInfo(json);
    } else if (entry.name.endsWith("-ps-info.json")) {
      metadata.containers = parsePsInfo(json);
    } else if (entry.name.endsWith("-image-info.json")) {
      // Handler 7.0 to 8.7 numbered every container 0: a repeated name is the next container.
      const numbered = /-(\d+)-image-info\.json$/.exec(entry.name)?.[1];
      const container =
        imageNames.has(entry.name) || numbered === undefined ? metadata.images.length : Number(numbered);
      imageNames.add(entry.name);
      metadata.images.push(parseImageInfo(json, container));
    }
  }
  // The runtime info only for a pod-info that does not name the pod (older handlers wrote none).
  if (runtimeEntry && !(podInfo?.namespace && podInfo.pod)) {
    const json = parseJson(runtimeEntry.name, await zip.readEntry(runtimeEntry), problems);
    if (json !== undefined) runtimeInfo = parseRuntimeInfo(json);
  }
  const pod = mergePods(podInfo, runtimeInfo);
  if (pod) metadata.pod = skipDumpInfo ? trimmedPod(pod) : pod;
  // Hyphens in both the hostname and the executable, and no pod's name to tell them apart: dump-info does.
  if (
    skipDumpInfo &&
    dumpInfoEntry &&
    dumpInfoEntry.uncompressedSize > 0 &&
    dumpInfoEntry.uncompressedSize <= METADATA_LIMIT &&
    hostAndExeAmbiguous(listedStem, pod?.pod)
  ) {
    const json = parseJson(dumpInfoEntry.name, await zip.readEntry(dumpInfoEntry), problems);
    metadata.state = metadataStateOf(true, json);
    if (json !== undefined) metadata.dumpInfo = hostAndExeOf(parseDumpInfo(json));
  }
  if (skipDumpInfo) {
    metadata.containers = [];
    metadata.images = metadata.images.map(trimmedImage);
  }
  return metadata;
}

/**
 * Entries a listing does not read with the others: the processes (a listing keeps none) and the runtime
 * info (read afterwards, only where the pod info does not name the pod). Each is an inflate and a parse
 * per dump.
 */
function notForListing(name: string): boolean {
  return name.endsWith("-ps-info.json") || name.endsWith("-runtime-info.json");
}

/** What a listing keeps of a pod: its names, not its uid, labels and annotations (the cache stays small). */
function trimmedPod(pod: PodInfo): PodInfo {
  const trimmed: PodInfo = { labels: {}, annotations: {} };
  if (pod.namespace !== undefined) trimmed.namespace = pod.namespace;
  if (pod.pod !== undefined) trimmed.pod = pod.pod;
  return trimmed;
}

/** What a listing keeps of an image: the names `groups` shows. */
function trimmedImage(image: ImageInfo): ImageInfo {
  const trimmed: ImageInfo = {
    repoTags: image.repoTags.slice(0, 1),
    repoDigests: image.repoDigests.slice(0, 1),
  };
  if (image.container !== undefined) trimmed.container = image.container;
  return trimmed;
}

/** The entries read, in order, until their declared sizes add up to the limit: many small ones can be a bomb too. */
function withinBudget(entries: ZipEntry[]): ZipEntry[] {
  let total = 0;
  return entries.filter((entry) => {
    total += entry.uncompressedSize;
    return total <= METADATA_LIMIT * 4;
  });
}

/** The core entry of a zip dump: `NAME.core`. */
export function coreEntryOf(metadata: DumpMetadata): ZipEntrySummary | undefined {
  return metadata.entries?.find((entry) => entry.name.endsWith(".core"));
}

async function readSmall(store: Store, object: StoredObject): Promise<Buffer | undefined> {
  if (object.size > METADATA_LIMIT) return undefined;
  try {
    return await store.read(object.key);
  } catch (error) {
    if (error instanceof StoreError && error.kind === "not-found") return undefined;
    throw error;
  }
}

function parseJson(name: string, bytes: Buffer | undefined, problems: string[]): unknown {
  const short = name.slice(name.lastIndexOf("/") + 1);
  if (bytes === undefined) {
    problems.push(`${short}: too large or gone`);
    return undefined;
  }
  if (bytes.length === 0) {
    problems.push(`${short}: empty`);
    return undefined;
  }
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    problems.push(`${short}: not valid JSON`);
    return undefined;
  }
}

function metadataStateOf(present: boolean, json: unknown): MetadataState {
  if (!present) return "missing";
  return json === undefined || json === null || typeof json !== "object" ? "malformed" : "ok";
}

/** pod-info is the better source where both answer; runtime-info fills what it lacks. */
function mergePods(podInfo: PodInfo | undefined, runtimeInfo: PodInfo | undefined): PodInfo | undefined {
  if (!podInfo || !runtimeInfo) return podInfo ?? runtimeInfo;
  return {
    ...runtimeInfo,
    ...Object.fromEntries(Object.entries(podInfo).filter(([, value]) => value !== undefined)),
    labels: { ...runtimeInfo.labels, ...podInfo.labels },
    annotations: { ...runtimeInfo.annotations, ...podInfo.annotations },
  };
}
