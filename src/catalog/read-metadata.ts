import { openStoredZip } from "../archive/stored-zip.js";
import { type ZipEntry, ZipFormatError } from "../archive/zip-directory.js";
import { type Store, type StoredObject, StoreError } from "../store/store.js";
import type { DumpObjects } from "./group.js";
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
  /** Zip dumps: every entry, in archive order, with the core's among them. */
  entries?: ZipEntrySummary[];
  /** Problems worth showing, one line each: `pod-info.json: not JSON`. */
  problems: string[];
}

export type ZipEntrySummary = Pick<
  ZipEntry,
  "name" | "compressedSize" | "uncompressedSize" | "compressionMethod"
>;

/** Entries and objects larger than this are not metadata, whatever their name says. */
const METADATA_LIMIT = 4 * 1024 * 1024;

export async function readMetadata(store: Store, dump: DumpObjects): Promise<DumpMetadata> {
  try {
    return dump.zip ? await readZipMetadata(store, dump.zip) : await readLooseMetadata(store, dump);
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
  const [dumpInfo, runtimeInfo, imageInfo, legacyInfo] = await Promise.all([
    load(dump.dumpInfo),
    load(dump.runtimeInfo),
    load(dump.imageInfo),
    load(dump.legacyInfo),
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
  return metadata;
}

async function readZipMetadata(store: Store, object: StoredObject): Promise<DumpMetadata> {
  const zip = await openStoredZip(store, object);
  const problems: string[] = [];
  const small = withinBudget(
    zip.entries.filter((entry) => entry.name.endsWith(".json") && entry.uncompressedSize <= METADATA_LIMIT),
  );
  const texts = await Promise.all(small.map(async (entry) => [entry, await zip.readEntry(entry)] as const));
  const metadata: DumpMetadata = {
    state: "missing",
    containers: [],
    images: [],
    problems,
    entries: zip.entries.map(({ name, compressedSize, uncompressedSize, compressionMethod }) => ({
      name,
      compressedSize,
      uncompressedSize,
      compressionMethod,
    })),
  };
  const imageNames = new Set<string>();
  let podInfo: PodInfo | undefined;
  let runtimeInfo: PodInfo | undefined;
  for (const [entry, bytes] of texts) {
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
  const pod = mergePods(podInfo, runtimeInfo);
  if (pod) metadata.pod = pod;
  return metadata;
}

/** The JSON entries read, in order, until their declared sizes add up to the limit: many small ones can be a bomb too. */
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
