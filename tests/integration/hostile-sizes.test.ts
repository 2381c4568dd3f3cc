import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtemp, open, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { coredump, json } from "../support/cli.js";
import { defaultSpec, looseDump, TUTORIAL_IMAGE } from "../support/handler-layout.js";
import { headEntries, stemOf, zipOf } from "../support/hostile-dump.js";
import { realCore } from "../support/real-core.js";
import { freshBucket, putObjects, rigS3, s3Env } from "../support/s3-rig.js";

const rig = rigS3();
/** No registry and no npm to be found: the executable search fails at once. */
const OFFLINE = { npm_config_registry: "http://127.0.0.1:9/", npm_config_fetch_retries: "0" };

/** The zip with the core entry's compressed size in the central directory replaced by `size`. */
function withCoreSize(zip: Buffer, size: number): Buffer {
  const patched = Buffer.from(zip);
  const signature = Buffer.from([0x50, 0x4b, 0x01, 0x02]);
  for (let at = patched.indexOf(signature); at >= 0; at = patched.indexOf(signature, at + 4)) {
    const nameLength = patched.readUInt16LE(at + 28);
    const name = patched.subarray(at + 46, at + 46 + nameLength).toString();
    if (name.endsWith(".core")) patched.writeUInt32LE(size, at + 20);
  }
  return patched;
}

describe("hostile #10: zip entries that say they extend past the end of the object", () => {
  const lying = { uuid: randomUUID(), size: 0xf0000000 };
  const noZip64 = { uuid: randomUUID(), size: 0xffffffff };
  let env: Record<string, string>;

  before(async () => {
    const objects = [];
    for (const dump of [lying, noZip64]) {
      const stem = stemOf(dump.uuid);
      objects.push({
        key: `${stem}.zip`,
        data: withCoreSize(await zipOf(headEntries(dump.uuid, stem)), dump.size),
      });
    }
    const bucket = await freshBucket(rig, "hostile-sizes");
    await putObjects(rig, bucket, objects);
    env = { ...s3Env(rig, bucket), ...OFFLINE };
  });

  for (const [name, dump] of [
    ["a lying size", lying],
    ["0xFFFFFFFF without ZIP64", noZip64],
  ] as const) {
    it(`${name}: info says corrupt, fetch fails in one line without retrying`, async () => {
      const info = json<{ state: string; coreSize: number | null }>(
        await coredump(["info", dump.uuid, "--json"], env),
      );
      assert.equal(info.state, "corrupt");
      assert.equal(info.coreSize, null);
      const work = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
      const fetched = await coredump(["fetch", dump.uuid, "--workdir", work, "--no-executable"], env);
      assert.equal(fetched.exitCode, 1, fetched.stderr);
      assert.equal(fetched.stderr.trimEnd().split("\n").length, 1, fetched.stderr);
      assert.match(fetched.stderr, /corrupt zip|zip64/i);
      assert.doesNotMatch(fetched.stderr, /retrying/);
    });
  }
});

describe("hostile #15: a bare core cut short is fetched with a warning, and report says so", () => {
  const spec = defaultSpec({ image: { ...TUTORIAL_IMAGE, repo: "127.0.0.1:9/app" } });
  let env: Record<string, string>;
  let expected: number;
  const PREFIX = 1024 * 1024;

  before(async () => {
    const crash = await realCore();
    const scratch = await mkdtemp(path.join(tmpdir(), "coredump-truncated-"));
    const prefix = path.join(scratch, "core");
    const source = await open(crash.core, "r");
    const target = await open(prefix, "w", 0o600);
    const head = Buffer.alloc(PREFIX);
    await source.read(head, 0, PREFIX, 0);
    await target.write(head);
    await Promise.all([source.close(), target.close()]);
    expected = (await stat(crash.core)).size;
    spec.core = prefix;
    spec.pid = crash.pid;
    spec.signal = crash.signal;
    const bucket = await freshBucket(rig, "hostile-truncated");
    await putObjects(rig, bucket, looseDump(spec, { gzip: false }));
    env = { ...s3Env(rig, bucket), ...OFFLINE };
  });

  it("fetch exits 0 and says truncated core: N of M bytes; info and report show it", async () => {
    const work = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    const fetched = await coredump(["fetch", spec.uuid, "--workdir", work, "--no-executable"], env);
    assert.equal(fetched.exitCode, 0, fetched.stderr);
    const note = new RegExp(`truncated core: ${PREFIX} of (\\d+) bytes`);
    const total = Number(note.exec(fetched.stderr)?.[1]);
    assert.ok(total > PREFIX && total <= expected, fetched.stderr);
    const info = await coredump(["info", spec.uuid], env);
    assert.match(info.stdout, note, "info reads the bare core's headers where it lies");
    const again = await coredump(["fetch", spec.uuid, "--workdir", work, "--no-executable"], env);
    assert.match(again.stderr, note, "a refetch says it too");
    const report = await coredump(["report", spec.uuid, "--workdir", work], env);
    assert.equal(report.exitCode, 0, report.stderr);
    assert.match(report.stdout, note);
    const reportJson = json<{ coreTruncated: { size: number; expected: number } | null }>(
      await coredump(["report", spec.uuid, "--workdir", work, "--json"], env),
    );
    assert.deepEqual(reportJson.coreTruncated, { size: PREFIX, expected: total });
  });
});
