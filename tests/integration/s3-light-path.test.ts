/**
 * The S3 store's light path (SigV4 over keep-alive sockets, its own reading of a listing's XML) against the
 * SDK on the rig's RGW: the same objects listed, the same bytes read, keys of every awkward kind, and the
 * requests really taken by it once the SDK's first listing showed the way.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { S3Store } from "../../src/store/s3-store.js";
import type { StoredObject } from "../../src/store/store.js";
import { CountingProxy } from "../support/counting-proxy.js";
import { freshBucket, putObjects, rigS3, s3Client } from "../support/s3-rig.js";

/** More than two pages, so that the listing is split and its later parts go by the light path. */
const PLAIN = 2100;
const AWKWARD = [
  "a b/c d.zip",
  "x&y<z>'\"q.zip",
  "plus+%41=é/日本語.zip",
  "tilde~!*()$,;:@.zip",
  "ctl-\u001b[2J-\u202e.zip",
  "dots/./..//double.zip",
];

describe("the S3 store's light path", () => {
  const rig = rigS3();
  let bucket: string;
  let proxy: CountingProxy;

  before(async () => {
    bucket = await freshBucket(rig, "light");
    const keys = [...Array.from({ length: PLAIN }, (_, index) => `f${index % 3}/k-${index}.zip`), ...AWKWARD];
    await putObjects(
      rig,
      bucket,
      keys.map((key, index) => ({ key, data: Buffer.from(`${key} ${"#".repeat(index % 97)}`) })),
    );
    proxy = await CountingProxy.start(rig.endpoint);
  });

  after(() => proxy?.stop());

  const store = () =>
    new S3Store(
      {
        bucket,
        prefix: "",
        region: rig.region,
        endpoint: proxy.endpoint,
        credentials: { accessKeyId: rig.accessKey, secretAccessKey: rig.secret, source: "test" },
      },
      {},
      10_000,
    );

  it("lists what the SDK lists, key for key, and mostly without it", async () => {
    proxy.reset();
    const listed = await store().list();
    const light = proxy.requests.filter((request) => !request.bySdk).length;
    assert.ok(light > 0, `${light} of ${proxy.requests.length} listing requests by the light path`);

    const expected: StoredObject[] = [];
    const listFolder = async (prefix: string): Promise<void> => {
      let token: string | undefined;
      do {
        const page = await s3Client(rig).send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            Delimiter: "/",
            ContinuationToken: token,
          }),
        );
        for (const item of page.Contents ?? [])
          expected.push({
            key: item.Key ?? "",
            size: item.Size ?? 0,
            etag: (item.ETag ?? "").replaceAll('"', ""),
            modified: item.LastModified?.getTime() ?? 0,
          });
        for (const folder of page.CommonPrefixes ?? []) await listFolder(folder.Prefix ?? "");
        token = page.NextContinuationToken;
      } while (token);
    };
    await listFolder("");
    const byKey = (a: StoredObject, b: StoredObject) => (a.key < b.key ? -1 : 1);
    assert.equal(listed.length, PLAIN + AWKWARD.length);
    assert.deepEqual([...listed].sort(byKey), expected.sort(byKey));
  });

  it("reads the bytes of every awkward key, and of ranges, by the light path", async () => {
    const reader = store();
    await reader.list();
    proxy.reset();
    for (const key of AWKWARD) {
      const whole = await reader.read(key);
      assert.ok(whole.toString("utf8").startsWith(`${key} `), key);
      assert.deepEqual(await reader.readRange(key, 2, 9), whole.subarray(2, 9));
    }
    const bySdk = proxy.requests.filter((request) => request.bySdk).length;
    assert.equal(bySdk, 0, `${bySdk} of ${proxy.requests.length} reads fell back to the SDK`);
  });

  it("a read the light path cannot answer plainly is the SDK's, with the store's error", async () => {
    const reader = store();
    await reader.list();
    proxy.reset();
    await assert.rejects(reader.read("no/such/key.zip"), /no such object/);
    assert.ok(proxy.requests.some((request) => request.bySdk));
  });

  it("a light path that cannot connect is given up, and the SDK reads everything", async () => {
    const cutting = await CountingProxy.start(rig.endpoint, { cut: (request) => !request.bySdk });
    try {
      const reader = new S3Store(
        {
          bucket,
          prefix: "",
          region: rig.region,
          endpoint: cutting.endpoint,
          credentials: { accessKeyId: rig.accessKey, secretAccessKey: rig.secret, source: "test" },
        },
        {},
        10_000,
      );
      const light = () => cutting.requests.filter((request) => !request.bySdk).length;
      assert.equal((await reader.list()).length, PLAIN + AWKWARD.length);
      // The listing's parts go at once: those already sent when the first failed are cut too.
      const tried = light();
      assert.ok(tried > 0);
      for (const key of AWKWARD) assert.ok((await reader.read(key)).toString("utf8").startsWith(`${key} `));
      assert.equal(light(), tried, "no read tried the light path once it had failed");
    } finally {
      await cutting.stop();
    }
  });
});
