import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { coredump, json } from "../support/cli.js";
import { headEntries, stemOf, zipOf } from "../support/hostile-dump.js";
import { coredumpPeakRss } from "../support/peak-rss.js";
import { freshBucket, putObjects, rigS3, s3Env } from "../support/s3-rig.js";
import { BOMB_LAST_LINE, writeZipBomb } from "../support/zip-bomb.js";

const rig = rigS3();
const MB = 1000 * 1000;
/** The goal for fetch's peak RSS, whatever an entry inflates to. */
const RSS_GOAL = 200 * MB;

interface Fetched {
  dir: string;
  core: string;
  files: string[];
}

async function fetchJson(uuid: string, env: Record<string, string>) {
  const work = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
  const result = await coredumpPeakRss(["fetch", uuid, "--workdir", work, "--no-executable", "--json"], env);
  assert.equal(result.exitCode, 0, result.stderr);
  return { result, fetched: json<Fetched>(result) };
}

describe("hostile #2: a metadata entry that inflates to gigabytes (a zip bomb)", () => {
  const log = { uuid: randomUUID(), mebibytes: 1024 };
  const proc = { uuid: randomUUID(), mebibytes: 64 };
  let env: Record<string, string>;

  before(async () => {
    const scratch = await mkdtemp(path.join(tmpdir(), "coredump-bomb-"));
    const objects = [];
    for (const [bomb, entry] of [
      [log, "0.log"],
      [proc, "0-proc/maps"],
    ] as const) {
      const stem = stemOf(bomb.uuid);
      const file = path.join(scratch, `${stem}.zip`);
      await writeZipBomb(file, headEntries(bomb.uuid, stem), `${stem}-${entry}`, bomb.mebibytes);
      objects.push({ key: `${stem}.zip`, path: file });
    }
    const bucket = await freshBucket(rig, "hostile-bomb");
    await putObjects(rig, bucket, objects);
    env = s3Env(rig, bucket);
  });

  it("a log of 1 GiB from a 1 MB zip: fetch keeps its tail, with bounded memory", async () => {
    const { result, fetched } = await fetchJson(log.uuid, env);
    const kept = await readFile(path.join(fetched.dir, "0.log"), "utf8");
    assert.ok(kept.endsWith(BOMB_LAST_LINE), "the log's last line is kept");
    assert.ok(kept.length <= 8 * 1024 * 1024, `kept ${kept.length} bytes`);
    assert.ok(kept.startsWith("spam"), "the kept tail starts at a line");
    assert.match(result.stderr, /0\.log: 1\.1 GB, kept its last 8\.4 MB/);
    const peak = `peak RSS ${(result.peakRss / MB).toFixed(0)} MB`;
    console.log(`fetch of a zip whose log inflates to 1 GiB: ${peak}`);
    assert.ok(result.peakRss < RSS_GOAL, peak);
  });

  it("another entry declaring 64 MiB is left out, not inflated", async () => {
    const { result, fetched } = await fetchJson(proc.uuid, env);
    assert.ok(!fetched.files.includes("0-proc/maps"), fetched.files.join(", "));
    await assert.rejects(stat(path.join(fetched.dir, "0-proc", "maps")));
    assert.match(result.stderr, /0-proc\/maps left out: 67 MB/);
    assert.equal((await stat(fetched.core)).size, 64);
  });
});

describe("hostile #5: metadata entries never take the names coredump keeps for itself", () => {
  const uuid = randomUUID();
  const stem = stemOf(uuid);
  let env: Record<string, string>;
  const hostile = [
    "core",
    "core/x",
    "core.heapsnapshot",
    "x.partial",
    ".coredump-fetch.json",
    "a/b.partial/c",
  ];

  before(async () => {
    const entries = headEntries(uuid, stem);
    for (const name of hostile)
      entries.push({ name: `${stem}-${name}`, data: Buffer.from("thirty-five bytes of someone's text") });
    const bucket = await freshBucket(rig, "hostile-names");
    await putObjects(rig, bucket, [{ key: `${stem}.zip`, data: await zipOf(entries) }]);
    env = s3Env(rig, bucket);
  });

  it("fetch writes the real core as core, leaves those entries out, and fetches again", async () => {
    const work = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    for (const extra of [[], ["--force"]]) {
      const result = await coredump(
        ["fetch", uuid, "--workdir", work, "--no-executable", "--json", ...extra],
        env,
      );
      assert.equal(result.exitCode, 0, result.stderr);
      const fetched = json<Fetched>(result);
      assert.equal((await stat(fetched.core)).isFile(), true);
      assert.equal((await stat(fetched.core)).size, 64, "the core is the dump's core, not an entry's");
      assert.deepEqual(
        fetched.files.filter((file) => hostile.includes(file)),
        ["core"],
        "only the dump's own core takes a reserved name",
      );
      for (const name of hostile) {
        assert.match(
          result.stderr,
          new RegExp(`"${name.replace(/[.*]/g, "\\$&")}" is a name coredump keeps`),
        );
      }
      const names = await readdir(fetched.dir);
      assert.deepEqual(
        names.filter((name) => name.endsWith(".partial")),
        [],
      );
      assert.ok(names.includes("dump-info.json"));
    }
  });
});
