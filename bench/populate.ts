/**
 * The benchmark's buckets on the rig's RGW: many dumps with the 64-byte placeholder core, built by the
 * tests' handler-layout fixtures. A bucket that already holds exactly the expected objects is reused, so
 * only the first run pays for uploading.
 */
import { randomInt, randomUUID } from "node:crypto";
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import {
  type DumpSpec,
  defaultSpec,
  looseDump,
  readBody,
  type StoredObject,
  zipDump,
} from "../tests/support/handler-layout.js";
import { listAll } from "./sdk-loop.js";
import { crashLog } from "./support/crash-logs.js";

export type Layout = "loose" | "zip";

/** Uploads at once. */
const PUTS_IN_FLIGHT = 32;
/** Dumps spread over this many namespaces: ns-0 … ns-9. */
export const NAMESPACES = 10;
const SPREAD_SECONDS = 180 * 24 * 3600;
const APPS = ["checkout", "cart", "payments", "search", "catalog", "auth", "mailer", "recommender"];
const PROGRAMS: Array<Pick<DumpSpec, "exe" | "exePath">> = [
  { exe: "node", exePath: "/usr/local/bin/node" },
  { exe: "python3", exePath: "/usr/bin/python3.11" },
  { exe: "java", exePath: "/opt/java/openjdk/bin/java" },
  { exe: "envoy", exePath: "/usr/local/bin/envoy" },
];
const SIGNALS = [6, 11, 5, 4, 7, 8];

export const OBJECTS_PER_DUMP: Record<Layout, number> = { loose: 4, zip: 1 };

/** `bench-zip-10000`; another `label` keeps one engineer's buckets apart from another's on a shared rig. */
export function bucketName(layout: Layout, dumps: number, label = "bench"): string {
  return `${label}-${layout}-${dumps}`;
}

export interface Population {
  bucket: string;
  objects: number;
  /** Seconds spent uploading; 0 when the bucket was reused. */
  seconds: number;
  reused: boolean;
}

/** Makes sure `<label>-<layout>-<dumps>` holds `dumps` dumps of that layout and nothing else. */
export async function ensureBucket(
  client: S3Client,
  layout: Layout,
  dumps: number,
  log: (line: string) => void,
  label = "bench",
): Promise<Population> {
  const bucket = bucketName(layout, dumps, label);
  const expected = dumps * OBJECTS_PER_DUMP[layout];
  const exists = await client.send(new HeadBucketCommand({ Bucket: bucket })).then(
    () => true,
    () => false,
  );
  if (!exists) await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const { keys } = exists ? await listAll(client, bucket) : { keys: [] };
  if (keys.length === expected) return { bucket, objects: expected, seconds: 0, reused: true };

  const started = performance.now();
  if (keys.length > 0) {
    log(`${bucket}: ${keys.length} objects instead of ${expected} (an interrupted run?): emptying it`);
    await deleteKeys(client, bucket, keys);
  }
  log(`${bucket}: uploading ${dumps.toLocaleString("en")} ${layout} dumps (${expected} objects)`);
  const now = Math.floor(Date.now() / 1000);
  const objects = Array.from({ length: dumps }, () => randomDump(layout, now)).flat();
  await putAll(client, bucket, objects, log);
  const seconds = (performance.now() - started) / 1000;
  const count = (await listAll(client, bucket)).keys.length;
  if (count !== expected) throw new Error(`${bucket}: ${count} objects after uploading, not ${expected}`);
  log(`${bucket}: ${expected} objects in ${seconds.toFixed(1)} s`);
  return { bucket, objects: expected, seconds, reused: false };
}

function randomDump(layout: Layout, now: number): StoredObject[] {
  const app = pick(APPS);
  const pod = `${app}-${randomHex(10)}-${randomHex(5)}`;
  const spec = defaultSpec({
    ...pick(PROGRAMS),
    uuid: randomUUID(),
    timestamp: now - randomInt(SPREAD_SECONDS),
    hostname: pod,
    pod,
    namespace: `ns-${randomInt(NAMESPACES)}`,
    pid: randomInt(1, 4_000_000),
    signal: pick(SIGNALS),
    nodeHostname: `10.0.${randomInt(4)}.${randomInt(2, 250)}`,
    containers: [{ name: app, log: crashLog() }],
  });
  return layout === "loose" ? looseDump(spec) : zipDump(spec);
}

async function putAll(
  client: S3Client,
  bucket: string,
  objects: readonly StoredObject[],
  log: (line: string) => void,
): Promise<void> {
  const limit = pLimit(PUTS_IN_FLIGHT);
  let done = 0;
  let reported = performance.now();
  await Promise.all(
    objects.map((object) =>
      limit(async () => {
        const body = await readBody(object);
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: object.key, Body: body }));
        done += 1;
        if (performance.now() - reported > 10_000) {
          reported = performance.now();
          log(`${bucket}: ${done}/${objects.length} objects`);
        }
      }),
    ),
  );
}

async function deleteKeys(client: S3Client, bucket: string, keys: readonly string[]): Promise<void> {
  for (let start = 0; start < keys.length; start += 1000) {
    const batch = keys.slice(start, start + 1000).map((Key) => ({ Key }));
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }));
  }
}

function pick<T>(values: readonly T[]): T {
  return values[randomInt(values.length)] as T;
}

function randomHex(length: number): string {
  return Array.from({ length }, () => "0123456789abcdef"[randomInt(16)]).join("");
}
