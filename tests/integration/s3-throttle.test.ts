/**
 * A store that says it is overloaded: a proxy in front of the rig's RGW answers some requests 503
 * SlowDown, as S3 does. A cold `list` still reads every dump (the SDK tries again, with backoff) and keeps
 * fewer requests in flight once throttled than before.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { coredump, json } from "../support/cli.js";
import { CountingProxy } from "../support/counting-proxy.js";
import { defaultSpec, type StoredObject, zipDump } from "../support/handler-layout.js";
import { freshBucket, putObjects, rigS3, s3Env } from "../support/s3-rig.js";

const DUMPS = 400;
/** Past the listing and the first reads, one request in four is refused. */
const CALM = 200;
/** Each request's round trip: long enough that the client's window, not its pace, sets what is in flight. */
const LATENCY_MS = 100;

describe("a throttling store", () => {
  const rig = rigS3();
  let bucket: string;
  let proxy: CountingProxy;

  before(async () => {
    const objects: StoredObject[] = [];
    for (let i = 0; i < DUMPS; i++) objects.push(...zipDump(defaultSpec({ timestamp: 1_700_000_000 + i })));
    bucket = await freshBucket(rig, "throttle");
    await putObjects(rig, bucket, objects);
    proxy = await CountingProxy.start(rig.endpoint, {
      throttle: (request) => request >= CALM && request % 4 === 0,
      latencyMs: LATENCY_MS,
    });
  });

  after(() => proxy?.stop());

  it("reads every dump, with fewer requests in flight once throttled", async () => {
    const result = await coredump(["list", "--json"], { ...s3Env(rig, bucket), S3_ENDPOINT: proxy.endpoint });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(json<unknown[]>(result).length, DUMPS);
    assert.ok(proxy.throttled > 50, `${proxy.throttled} throttled`);
    const reads = proxy.objectReads();
    // Requests admitted before a halving still run, and the SDK's retries of them come back together: the
    // most in flight late can spike, so the typical (median) count is what must have come down.
    const typical = (from: number, to: number) => {
      const counts = reads
        .slice(from, to)
        .map((read) => read.inFlight)
        .sort((a, b) => a - b);
      return counts[Math.floor(counts.length / 2)] as number;
    };
    const before = typical(CALM / 2, CALM - 20);
    assert.ok(before >= 8, `typically ${before} in flight before throttling`);
    const late = typical(reads.length - 100, reads.length);
    assert.ok(late <= before / 2, `typically ${late} in flight at the end, ${before} before`);
  });
});
