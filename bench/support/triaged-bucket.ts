/**
 * A bucket of the rig holding the same dumps as another and a triage record beside each: what `list` and
 * `groups` read once every dump is triaged. The dumps are copied by the store itself (same bytes, same
 * ETags); the records are placeholders of a real record's size and shape. A bucket that already holds
 * exactly that is reused.
 */
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { RECORDS_FOLDER } from "../../src/catalog/key-name.js";
import { TRIAGE_VERSION } from "../../src/triage/version.js";
import { listAll } from "../sdk-loop.js";

/** Requests at once while filling. */
const IN_FLIGHT = 32;

/** `team/NAME.zip` → `team/.coredump-triage/NAME.json`, as triage names a record beside its dump. */
export function recordKeyOf(dumpKey: string): string {
  const slash = dumpKey.lastIndexOf("/");
  return `${dumpKey.slice(0, slash + 1)}${RECORDS_FOLDER}${dumpKey.slice(slash + 1).replace(/\.zip$/, ".json")}`;
}

/** Makes `triaged` hold every object of `plain` and a record for each of its zip dumps, nothing else. */
export async function ensureTriagedCopy(
  client: S3Client,
  plain: string,
  triaged: string,
  nodeVersion: string,
  log: (line: string) => void,
): Promise<{ dumps: number; records: number }> {
  if (
    !(await client.send(new HeadBucketCommand({ Bucket: triaged })).then(
      () => true,
      () => false,
    ))
  )
    await client.send(new CreateBucketCommand({ Bucket: triaged }));
  const dumps = (await listAll(client, plain)).keys;
  const records = new Map(dumps.filter((key) => key.endsWith(".zip")).map((key) => [recordKeyOf(key), key]));
  const present = new Set((await listAll(client, triaged)).keys);
  const wanted = new Set([...dumps, ...records.keys()]);
  const limit = pLimit(IN_FLIGHT);
  const missing = [...wanted].filter((key) => !present.has(key));
  const extra = [...present].filter((key) => !wanted.has(key));
  if (missing.length > 0 || extra.length > 0)
    log(
      `${triaged}: copying ${missing.length} objects from ${plain} or writing their records, removing ${extra.length}`,
    );
  await Promise.all([
    ...missing.map((key) =>
      limit(() => {
        const dump = records.get(key);
        return dump === undefined
          ? client.send(
              new CopyObjectCommand({ Bucket: triaged, Key: key, CopySource: encodeURI(`${plain}/${key}`) }),
            )
          : client.send(
              new PutObjectCommand({
                Bucket: triaged,
                Key: key,
                Body: JSON.stringify(placeholderRecord(dump, nodeVersion)),
              }),
            );
      }),
    ),
    ...extra.map((key) => limit(() => client.send(new DeleteObjectCommand({ Bucket: triaged, Key: key })))),
  ]);
  return { dumps: dumps.length, records: records.size };
}

/** A record of a real one's size and shape (an uncaught exception's, five frames) for the dump at `dumpKey`. */
function placeholderRecord(dumpKey: string, nodeVersion: string) {
  const id = /[0-9a-f-]{36}/.exec(dumpKey)?.[0] ?? dumpKey;
  const frames = Array.from({ length: 5 }, (_, index) => ({
    function: `handler${index}`,
    file: `/usr/src/app/lib/route-${index % 3}.js`,
    line: 10 + index,
    column: 7,
    source: "llnode",
    position: "call site",
  }));
  const top = `handler${id.charCodeAt(0) % 7} (lib/route-0.js)`;
  return {
    format: "coredump-triage",
    version: TRIAGE_VERSION,
    id,
    key: dumpKey,
    etag: "placeholder",
    status: "triaged",
    kind: "uncaught-exception",
    title: `TypeError: Cannot read properties of undefined (reading 'id') at ${top}`,
    signature: id.slice(0, 16),
    crash: {
      kind: "uncaught-exception",
      errorType: "TypeError",
      message: "Cannot read properties of undefined (reading 'id')",
      frames: [top],
    },
    signalName: "SIGABRT",
    nodeVersion,
    error: {
      type: "TypeError",
      message: "Cannot read properties of undefined (reading 'id')",
      source: "llnode",
    },
    jsStack: frames,
    executable: { source: "cache", verification: "build-id" },
    truncated: false,
    triagedAt: new Date().toISOString(),
  };
}
