import { stat } from "node:fs/promises";
import { crashTime, type Dump } from "../../catalog/dump.js";
import { keysOf } from "../../catalog/group.js";
import {
  extentOf,
  machineLabel,
  machineNamed,
  NotACoreError,
  NotElfError,
  readCoreSummary,
  truncationNote,
} from "../../elf/index.js";
import { folderIdOf } from "../../fetch/fetch-dump.js";
import type { Settings } from "../../settings.js";
import { type Store, type StoredObject, StoreError } from "../../store/store.js";
import type { TriageRecord } from "../../triage/record.js";
import { type RecordPlace, recordKey } from "../../triage/record-place.js";
import { readOneRecord } from "../../triage/records.js";
import { formatAge, formatSize, formatTime } from "../../ui/format.js";
import { jsonText, style, writeHuman } from "../../ui/untrusted-text.js";
import { DumpFolder, workdirFrom } from "../../workspace/dump-folder.js";
import { dumpDetailJson } from "../dump-json.js";
import { openCatalog } from "../open-catalog.js";
import { pickDump } from "../pick-dump.js";
import { openRecordPlace, type ResultsFlags } from "../record-place.js";

export interface InfoFlags extends ResultsFlags {
  json?: boolean;
}

export async function info(id: string | undefined, flags: InfoFlags, settings: Settings): Promise<void> {
  const catalog = await openCatalog(flags, settings);
  const dump = await pickDump(catalog, id, "info");
  const place = await openRecordPlace(flags, settings, catalog.store);
  const record = await recordOf(place, recordKey(place, dump.objects), catalog.recordObjects);
  if (flags.json) {
    process.stdout.write(jsonText({ ...dumpDetailJson(dump), triage: record ?? null }));
    return;
  }
  writeHuman(
    process.stdout,
    `${renderInfo(dump, catalog.store.description, await bareCoreNote(catalog.store, dump), await proofNote(dump, settings), record)}\n`,
  );
}

/** A bare core (no compression) is read where it lies: its headers say whether it is whole. */
async function bareCoreNote(store: Store, dump: Dump): Promise<string | undefined> {
  const core = dump.objects.core;
  if (core?.compression !== "none" || core.size === 0) return undefined;
  const readAt = (offset: number, length: number) =>
    store.readRange(core.key, offset, Math.min(core.size, offset + length));
  return truncationNote(await extentOf(readAt, core.size, core.key));
}

/**
 * Which id proves the executable, where the core was fetched into the working folder already: its GNU
 * build-id, else (a Go program) its Go build ID. Read from the local core's headers: nothing from the store.
 */
async function proofNote(dump: Dump, settings: Settings): Promise<string | undefined> {
  const core = new DumpFolder(workdirFrom(undefined, settings), folderIdOf(dump)).core;
  if (!(await stat(core).catch(() => undefined))?.isFile()) return undefined;
  try {
    const executable = (await readCoreSummary(core, { nodeVersion: false })).executable;
    if (executable?.buildId) return `build-id ${executable.buildId} (of the fetched core)`;
    if (executable?.goBuildId)
      return `Go build ID ${executable.goBuildId} (of the fetched core, which holds no GNU build-id)`;
    return "none: the fetched core holds no build-id for its executable";
  } catch (error) {
    if (error instanceof NotElfError || error instanceof NotACoreError) return undefined;
    throw error;
  }
}

function renderInfo(
  dump: Dump,
  where: string,
  truncated?: string,
  proof?: string,
  record?: TriageRecord,
): string {
  const metadata = dump.metadata;
  const pod = metadata?.pod;
  const rows: Array<[string, string | undefined]> = [
    ["id", dump.id],
    ["time", crashTime(dump) && `${formatTime(crashTime(dump))} (${formatAge(crashTime(dump))})`],
    ["namespace", dump.namespace ?? "- (unknown to the handler)"],
    ["pod", [dump.pod ?? "-", pod?.podUid && `uid ${pod.podUid}`].filter(Boolean).join("  ")],
    ["node", dump.nodeHostname],
    ["labels", pod && joinPairs(pod.labels)],
    ...(metadata?.containers ?? []).map((container): [string, string] => [
      `container ${container.index}`,
      [container.name, container.image, container.imageRef !== container.image && container.imageRef]
        .filter(Boolean)
        .join("  "),
    ]),
    ...(metadata?.images ?? []).map((image, index): [string, string] => [
      image.container === undefined ? "image" : `image ${image.container}`,
      [...image.repoDigests, ...image.repoTags, image.id && `id ${image.id}`].filter(Boolean).join("\n") ||
        `(empty ${index})`,
    ]),
    [
      "executable",
      [dump.exePath ?? dump.exe, dump.pid !== undefined && `pid ${dump.pid}`].filter(Boolean).join("  "),
    ],
    [
      "signal",
      dump.signal === 0
        ? "none: captured live by coredump capture, the process kept running"
        : dump.signal === undefined
          ? undefined
          : `${dump.signalName ?? "?"} (${dump.signal})`,
    ],
    ["stored", `${formatSize(dump.size)} ${dump.layout === "zip" ? "zip" : (dump.compression ?? "")}`.trim()],
    ["core size", dump.coreSize === undefined ? undefined : formatSize(dump.coreSize)],
    [
      "machine",
      dump.machine &&
        `${machineText(dump.machine)}${
          metadata?.fileNote === false
            ? "\na core without NT_FILE or build-ids (as qemu-user writes them): its executable can be\nverified by image digest and version, not by build-id"
            : ""
        }`,
    ],
    ["proof", proof],
    ["truncated", truncated && style.red(truncated)],
    ["state", dump.complete ? style.green(dump.state) : style.red(dump.state)],
    ["store", where],
    ["objects", keysOf(dump.objects).join("\n")],
    [
      "entries",
      metadata?.entries
        ?.map((entry) => `${shortEntryName(entry.name, dump.stem)}  ${formatSize(entry.uncompressedSize)}`)
        .join("\n"),
    ],
    ["problems", metadata?.problems.length ? style.red(metadata.problems.join("\n")) : undefined],
    ["triage", record && triageText(record, storedEtag(dump))],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows
    .filter((row): row is [string, string] => row[1] !== undefined && row[1] !== "")
    .map(([label, value]) => {
      const indent = `\n${" ".repeat(width + 2)}`;
      return `${style.bold(label.padEnd(width))}  ${value.split("\n").join(indent)}`;
    })
    .join("\n");
}

/**
 * The dump's triage record: read only where the listing showed one (records beside the dumps) or from the
 * place `--results` names. One that may not be read is no record: info is about the dump.
 */
async function recordOf(
  place: RecordPlace,
  key: string,
  listed: readonly StoredObject[],
): Promise<TriageRecord | undefined> {
  if (place.beside && !listed.some((object) => object.key === key)) return undefined;
  return readOneRecord(place, key).catch((error: unknown) => {
    if (error instanceof StoreError && error.kind === "denied") return undefined;
    throw error;
  });
}

/** What `coredump triage` recorded of the dump: its kind and crash line, or why it could not. */
function triageText(record: TriageRecord, etag: string | undefined): string {
  const stale = record.etag !== etag ? style.red(" (of an earlier copy of the dump: triage again)") : "";
  const lines = [`${record.status}${record.kind ? ` ${record.kind}` : ""}, ${record.triagedAt}${stale}`];
  if (record.title) lines.push(style.bold(record.title));
  if (record.reason) lines.push(style.red(record.reason));
  for (const frame of record.jsStack.slice(0, 3))
    lines.push(
      `at ${frame.function} (${[frame.file, frame.line, frame.column].filter((part) => part !== undefined).join(":")})`,
    );
  for (const type of record.heap?.top.slice(0, 3) ?? [])
    lines.push(`${type.name}  ${type.count}  ${formatSize(type.bytes)}`);
  if (record.fault)
    lines.push(
      `${record.fault.signal} in ${record.fault.library}${record.fault.function ? ` ${record.fault.function}` : ""}`,
    );
  return lines.join("\n");
}

function storedEtag(dump: Dump): string | undefined {
  return (dump.objects.zip ?? dump.objects.core)?.etag;
}

/** `aarch64 (arm64)`: the kernel's name and the one images and Node's builds use. */
function machineText(name: string): string {
  const machine = machineNamed(name);
  return machine ? machineLabel(machine) : name;
}

/** `NAME-0-image-info.json` → `0-image-info.json`: every entry repeats the dump's long name. */
function shortEntryName(name: string, stem: string): string {
  return name.startsWith(stem) && name.length > stem.length + 1 ? name.slice(stem.length + 1) : name;
}

function joinPairs(pairs: Record<string, string>): string | undefined {
  const entries = Object.entries(pairs);
  return entries.length === 0 ? undefined : entries.map(([key, value]) => `${key}=${value}`).join(", ");
}
