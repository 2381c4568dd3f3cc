/**
 * A bucket at scale on the rig's Ceph RGW: 1,500 zip dumps carrying real container logs of real Node deaths
 * (tests/support/crash-logs.ts), a few with a core large enough that the zip's head lies outside its tail,
 * and loose dumps of 2020. Requests counted through the counting proxy: a cold `list` makes one request per
 * dump beyond the listing, a warm one none; `groups` counts each crash once, across pods and redeploys, and
 * its filters are list's.
 */
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { DeleteBucketCommand, DeleteObjectsCommand } from "@aws-sdk/client-s3";
import { listAll } from "../../bench/sdk-loop.js";
import { coredump, freshCacheHome, json } from "../support/cli.js";
import { CountingProxy } from "../support/counting-proxy.js";
import { type CrashLog, realCrashLogs } from "../support/crash-logs.js";
import { defaultSpec, looseDump, type StoredObject, zipDump } from "../support/handler-layout.js";
import { freshBucket, putObjects, rigS3, s3Client, s3Env } from "../support/s3-rig.js";

const NODE = "22.22.0";
const HOUR = 3600;
const SIGNALS: Record<string, number> = { SIGTRAP: 5, SIGABRT: 6, SIGSEGV: 11 };

/** How many zip dumps each real log goes into, and the namespace its pods run in. */
const MIX: Array<{ logs: string[]; count: number; namespace: string }> = [
  { logs: ["uncaught-abort-a", "uncaught-abort-a-moved"], count: 900, namespace: "shop" },
  { logs: ["uncaught-abort-b"], count: 300, namespace: "shop" },
  { logs: ["rejection-a", "rejection-a-moved"], count: 150, namespace: "cart" },
  { logs: ["oom"], count: 100, namespace: "cart" },
  { logs: ["segv"], count: 50, namespace: "search" },
];
const LOOSE = 40;
/** Zips whose 2 MiB core puts their dump-info far before the tail. */
const LARGE = 5;

interface Listed {
  id: string;
  namespace: string | null;
  pod: string | null;
  state: string;
  timestamp: string;
}

interface Group {
  signature: string;
  kind: string;
  title: string;
  count: number;
  first: string;
  last: string;
  namespaces: string[];
  pods: string[];
  exe: string | null;
  images: string[];
  ids: string[];
}

describe("a bucket of thousands of dumps", () => {
  const rig = rigS3();
  const now = Math.floor(Date.now() / 1000);
  let bucket: string;
  let keys: string[] = [];
  let proxy: CountingProxy;
  const dumps: Array<{ id: string; log: string; namespace: string; pod: string; timestamp: number }> = [];
  const warmHome = freshCacheHome();
  const run = async (args: string[], cacheHome = warmHome) => {
    proxy.reset();
    const result = await coredump(args, {
      ...s3Env(rig, bucket),
      S3_ENDPOINT: proxy.endpoint,
      XDG_CACHE_HOME: cacheHome,
    });
    const listings = proxy.requests.filter((request) => /[?&]list-type=2/.test(request.path)).length;
    return { result, listings, reads: proxy.objectReads().length };
  };

  before(async () => {
    const logs = new Map((await realCrashLogs(NODE)).map((log) => [log.name, log]));
    const objects: StoredObject[] = [];
    let index = 0;
    for (const { logs: names, count, namespace } of MIX) {
      for (let i = 0; i < count; i++) {
        const log = logs.get(names[i % names.length] ?? "") as CrashLog;
        // Three deployments (pod-template hashes) of ten pods each, crashes spread over four days.
        const pod = `${namespace}-api-${["6d4cf56db6", "7f9b8c6d5", "58c9f7b4d9"][i % 3]}-${podSuffix(i % 10)}`;
        const timestamp = now - ((index * 7919) % (96 * HOUR));
        const core = index < LARGE ? randomBytes(2 * 1024 * 1024) : undefined;
        const spec = defaultSpec({
          uuid: randomUUID(),
          timestamp,
          hostname: pod,
          pod,
          namespace,
          signal: SIGNALS[log.signalName] ?? 6,
          containers: [{ name: "api", log: log.log }],
          ...(core ? { core } : {}),
        });
        objects.push(...zipDump(spec, core ? { coreCompression: "store" } : {}));
        dumps.push({ id: spec.uuid, log: log.name, namespace, pod, timestamp });
        index += 1;
      }
    }
    for (let i = 0; i < LOOSE; i++) {
      const pod = `legacy-app-699c49b4ff-${podSuffix(i % 10)}`;
      const spec = defaultSpec({
        hostname: pod,
        pod,
        namespace: "legacy",
        signal: 11,
        timestamp: now - i * HOUR,
      });
      objects.push(...looseDump(spec));
      dumps.push({ id: spec.uuid, log: "segv", namespace: "legacy", pod, timestamp: spec.timestamp });
    }
    bucket = await freshBucket(rig, "scale");
    await putObjects(rig, bucket, objects);
    keys = (await listAll(s3Client(rig), bucket)).keys;
    proxy = await CountingProxy.start(rig.endpoint);
  });

  after(async () => {
    await proxy?.stop();
    const client = s3Client(rig);
    for (let start = 0; start < keys.length; start += 1000) {
      const batch = keys.slice(start, start + 1000).map((Key) => ({ Key }));
      await client.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }),
      );
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  });

  it("groups the same crash across pods and redeploys as one, and two errors of one function apart", async () => {
    const cold = await run(["groups", "--json"]);
    assert.equal(cold.result.exitCode, 0, cold.result.stderr);
    assert.equal(cold.reads, dumps.length, "one ranged read per zip, one runtime file per loose dump");
    assert.ok(cold.listings <= 20, `${cold.listings} listings`);
    const groups = json<Group[]>(cold.result);
    assert.deepEqual(
      groups.map((group) => group.count),
      [900, 300, 150, 100, 50 + LOOSE],
    );
    const [notAFunction, undefinedName, rejection, oom, segv] = groups as [Group, Group, Group, Group, Group];
    assert.equal(
      notAFunction.title,
      "TypeError: res.not_a_function is not a function at myRequestListener (app.js)",
    );
    assert.equal(notAFunction.kind, "uncaught-exception");
    assert.equal(notAFunction.pods.length, 30, "three deployments of ten pods");
    assert.deepEqual(notAFunction.namespaces, ["shop"]);
    assert.deepEqual(notAFunction.images, ["docker.io/number9/example-crashing-nodejs-app:latest"]);
    assert.equal(notAFunction.exe, "node");
    assert.match(undefinedName.title, /^TypeError: Cannot read properties of undefined \(reading 'name'\)/);
    assert.equal(rejection.kind, "unhandled-rejection");
    assert.equal(oom.kind, "out-of-memory");
    assert.equal(segv.kind, "native-fault");
    assert.equal(segv.title, "SIGSEGV in node");
    assert.deepEqual(segv.namespaces, ["legacy", "search"], "zip and loose dumps of one death together");
    const expected = dumps.filter((dump) => dump.log.startsWith("uncaught-abort-a"));
    assert.deepEqual([...notAFunction.ids].sort(), expected.map((dump) => dump.id).sort());
    const times = expected.map((dump) => dump.timestamp * 1000);
    assert.equal(notAFunction.first, new Date(Math.min(...times)).toISOString());
    assert.equal(notAFunction.last, new Date(Math.max(...times)).toISOString());

    const warm = await run(["groups", "--json"]);
    assert.equal(warm.reads, 0);
    assert.deepEqual(json<Group[]>(warm.result), groups);
  });

  it("lists warm with no read, cold with one per dump it shows", async () => {
    const warm = await run(["list", "--json"]);
    assert.equal(warm.result.exitCode, 0, warm.result.stderr);
    assert.equal(warm.reads, 0, "groups' cache serves list");
    const listed = json<Listed[]>(warm.result);
    assert.equal(listed.length, dumps.length);
    for (const dump of dumps) {
      const found = listed.find((item) => item.id === dump.id);
      assert.equal(found?.namespace, dump.namespace, dump.id);
      assert.equal(found?.pod, dump.pod, dump.id);
      assert.equal(found?.state, "present", dump.id);
    }
    // Cold, on the last 12 hours: key names say the times, so only those dumps are read.
    const recent = dumps.filter((dump) => dump.timestamp >= now - 12 * HOUR);
    const since = new Date((now - 12 * HOUR) * 1000).toISOString();
    const cold = await run(["list", "--json", "--since", since], freshCacheHome());
    assert.equal(cold.result.exitCode, 0, cold.result.stderr);
    assert.equal(cold.reads, recent.length);
    assert.deepEqual(
      json<Listed[]>(cold.result).map((item) => item.id),
      listed.filter((item) => recent.some((dump) => dump.id === item.id)).map((item) => item.id),
    );
  });

  it("filters groups as it filters lists", async () => {
    const since = 48 * HOUR;
    const from = new Date((now - since) * 1000).toISOString();
    const { result, reads } = await run(["groups", "--json", "--namespace", "cart", "--since", from]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(reads, 0);
    const counted = (log: string) =>
      dumps.filter(
        (dump) => dump.namespace === "cart" && dump.log.startsWith(log) && dump.timestamp >= now - since,
      ).length;
    assert.deepEqual(
      json<Group[]>(result).map((group) => [group.kind, group.count]),
      [
        ["unhandled-rejection", counted("rejection-a")],
        ["out-of-memory", counted("oom")],
      ].sort((a, b) => Number(b[1]) - Number(a[1])),
    );
    const none = await run(["groups", "--namespace", "nowhere"]);
    assert.equal(none.result.exitCode, 1);
    assert.match(none.result.stderr, /no dump matches/);
  });

  it("reads the rest of a dump when info asks, and only then", async () => {
    const large = dumps[0];
    const { result, reads } = await run(["info", large?.id ?? "", "--json"]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.ok(reads >= 1 && reads <= 3, `${reads} reads`);
    const detail = json<{ labels: Record<string, string>; entries: Array<{ name: string }> }>(result);
    assert.ok(detail.entries.some((entry) => entry.name.endsWith("-dump-info.json")));
    assert.equal(detail.labels.app, "shop-api");
  });
});

/** Kubernetes's pod-name suffixes: five of an alphabet without vowels. */
function podSuffix(index: number): string {
  return `x2kq${"bcdfghjklm"[index]}`;
}
