/**
 * The handler's JSON files, read tolerantly: every era, every field optional, strings or numbers alike.
 * Each parser takes parsed JSON (`unknown`) and returns only what it could make sense of.
 */

import { asObject } from "../util/as-object.js";

export interface DumpInfo {
  uuid?: string;
  dumpFile?: string;
  timestamp?: number;
  hostname?: string;
  exe?: string;
  pid?: number;
  signal?: number;
  nodeHostname?: string;
  /** The executable's path, decoded from the kernel's `!usr!local!bin!node`. */
  exePath?: string;
}

export interface PodInfo {
  namespace?: string;
  pod?: string;
  podUid?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ContainerInfo {
  index: number;
  id?: string;
  name?: string;
  image?: string;
  imageRef?: string;
}

export interface ImageInfo {
  /** Which container the file belongs to, where the file name says (`NAME-<i>-image-info.json`). */
  container?: number;
  /** The config digest (`sha256:…`), or its truncated form in the 2020 format. */
  id?: string;
  repoTags: string[];
  repoDigests: string[];
  size?: number;
  username?: string;
}

type Json = Record<string, unknown>;

export function parseDumpInfo(json: unknown): DumpInfo {
  const object = asObject(json);
  const path = text(object.path);
  return compact({
    uuid: text(object.uuid)?.toLowerCase(),
    dumpFile: text(object.dump_file),
    timestamp: integer(object.timestamp),
    hostname: text(object.hostname),
    exe: text(object.exe),
    pid: integer(object.real_pid ?? object.pid),
    signal: integer(object.signal),
    nodeHostname: text(object.node_hostname),
    exePath: path?.replaceAll("!", "/"),
  });
}

/** `crictl inspectp -o json`: the pod sandbox. Its `.info.image` is the pause image, never the app's. */
export function parseRuntimeInfo(json: unknown): PodInfo {
  const status = asObject(asObject(json).status);
  return podFrom(asObject(status.metadata), status.labels, status.annotations);
}

/** `crictl pods -o json`: `items[0]` from handler 7 on, the whole answer before. */
export function parsePodInfo(json: unknown): PodInfo {
  const object = asObject(json);
  const item = Array.isArray(object.items) ? asObject(object.items[0]) : object;
  return podFrom(asObject(item.metadata), item.labels, item.annotations);
}

export function parsePsInfo(json: unknown): ContainerInfo[] {
  const containers = asObject(json).containers;
  if (!Array.isArray(containers)) return [];
  return containers.map((entry, index) => {
    const container = asObject(entry);
    return compact({
      index,
      id: text(container.id),
      name: text(asObject(container.metadata).name),
      image: text(asObject(container.image).image),
      imageRef: text(container.imageRef),
    });
  });
}

/** Both shapes: a `crictl img` row (2020: repo, tag, id, size) and a `crictl img -o json` element. */
export function parseImageInfo(json: unknown, container?: number): ImageInfo {
  const object = asObject(json);
  const repoTags = strings(object.repoTags);
  const repoDigests = strings(object.repoDigests);
  const repo = text(object.repo);
  const tag = text(object.tag);
  if (repo && repoTags.length === 0) repoTags.push(tag && tag !== "<none>" ? `${repo}:${tag}` : repo);
  const size = integer(object.size);
  return compact({
    container,
    id: text(object.id),
    repoTags,
    repoDigests,
    size,
    username: text(object.username),
  });
}

function podFrom(metadata: Json, labels: unknown, annotations: unknown): PodInfo {
  return compact({
    namespace: text(metadata.namespace),
    pod: text(metadata.name),
    podUid: text(metadata.uid),
    labels: stringMap(labels),
    annotations: stringMap(annotations),
  });
}

function text(value: unknown): string | undefined {
  if (typeof value === "number") return String(value);
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Accepts numbers and digit strings only: "338MB" (a human size) is not a number of bytes. */
function integer(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value;
  return typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

function stringMap(value: unknown): Record<string, string> {
  const entries = Object.entries(asObject(value)).filter(([, item]) => typeof item === "string");
  return Object.fromEntries(entries) as Record<string, string>;
}

/** Drops undefined fields, so that objects print and compare cleanly. */
function compact<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}
