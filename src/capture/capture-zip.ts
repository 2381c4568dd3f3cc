import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { ZipFile } from "yazl";
import type { ProcessFacts } from "./process-facts.js";

export interface CapturedDump {
  uuid: string;
  /** The zip's file name, as the handler names it. */
  name: string;
  file: string;
}

/**
 * Packs a core the way core-dump-handler packs a crash (one zip: `NAME-dump-info.json`, `NAME.core`,
 * `NAME-pod-info.json` when the pod is known), so that list, fetch and debug treat it like any other
 * dump. There was no signal: the dump says 0.
 */
export async function packCapture(core: string, facts: ProcessFacts, folder: string): Promise<CapturedDump> {
  const uuid = randomUUID();
  const timestamp = Math.floor(Date.now() / 1000);
  const stem = `${uuid}-dump-${timestamp}-${facts.hostname}-${facts.exe}-${facts.pid}-0`;
  const dumpInfo = {
    uuid,
    dump_file: `${stem}.core`,
    timestamp: String(timestamp),
    hostname: facts.hostname,
    exe: facts.exe,
    real_pid: String(facts.pid),
    signal: "0",
    node_hostname: facts.nodeHostname ?? "",
    path: facts.exePath.replaceAll("/", "!"),
  };
  const zip = new ZipFile();
  zip.addBuffer(Buffer.from(JSON.stringify(dumpInfo)), `${stem}-dump-info.json`);
  zip.addFile(core, `${stem}.core`, { compress: true, forceZip64Format: true });
  if (facts.namespace) {
    const pod = {
      metadata: { name: facts.hostname, namespace: facts.namespace },
      labels: {},
      annotations: {},
    };
    zip.addBuffer(Buffer.from(JSON.stringify(pod)), `${stem}-pod-info.json`);
  }
  zip.end();
  const file = path.join(folder, `${stem}.zip`);
  const partial = `${file}.partial`;
  try {
    await pipeline(zip.outputStream, createWriteStream(partial, { mode: 0o600 }));
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return { uuid, name: `${stem}.zip`, file };
}
