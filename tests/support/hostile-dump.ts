/**
 * The least a zip dump holds, for hostile inputs that the handler-layout builders cannot make (they
 * refuse what a real handler would never write): its dump-info, with any field overridden, and a
 * 64-byte placeholder core.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before } from "node:test";
import { ZipFile } from "yazl";
import { type DumpSpec, defaultSpec, writeToDirectory, zipDump } from "./handler-layout.js";

export interface NamedBytes {
  name: string;
  data: Buffer;
}

/** The dump's NAME in the default template, with a timestamp of 2025. */
export function stemOf(uuid: string, timestamp: string | number = 1764600000): string {
  return `${uuid}-dump-${timestamp}-web-node-8-11`;
}

export function headEntries(uuid: string, stem: string, dumpInfo: Record<string, string> = {}): NamedBytes[] {
  const spec = defaultSpec({ uuid });
  const info = {
    uuid,
    dump_file: `${stem}.core`,
    timestamp: "1764600000",
    hostname: "web",
    exe: "node",
    real_pid: "8",
    signal: "11",
    node_hostname: spec.nodeHostname,
    path: "!usr!local!bin!node",
    ...dumpInfo,
  };
  return [
    { name: `${stem}-dump-info.json`, data: Buffer.from(JSON.stringify(info)) },
    { name: `${stem}.core`, data: spec.core as Buffer },
  ];
}

/** A zip of these entries, in memory. */
export async function zipOf(entries: readonly NamedBytes[]): Promise<Buffer> {
  const zip = new ZipFile();
  for (const entry of entries) zip.addBuffer(entry.data, entry.name, { mtime: new Date(1764600000000) });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A `/cores`-like folder holding the zip dump of `spec`, readable by every user. */
export async function dumpFolderOf(spec: DumpSpec): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), "coredump-cores-"));
  await writeToDirectory(zipDump(spec), folder);
  await chmod(folder, 0o755);
  return folder;
}

/** An unrelated live process (a pid that a stale lock names, a pid to capture): kill it when done. */
export function bystander(): ChildProcess {
  return spawn("sleep", ["600"], { stdio: "ignore" });
}

/**
 * For the calling suite: a placeholder zip dump in a folder (`args()` names it, with --no-executable)
 * and a bystander process (`pid()`), started before its tests and stopped after.
 */
export function placeholderDumpSuite() {
  const spec = defaultSpec();
  let args: string[] = [];
  let sleeper: ChildProcess | undefined;
  before(async () => {
    args = ["--dir", await dumpFolderOf(spec), "--no-executable"];
    sleeper = bystander();
  });
  after(() => sleeper?.kill());
  return { spec, args: () => args, pid: () => sleeper?.pid as number };
}
