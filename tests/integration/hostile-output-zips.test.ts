/**
 * Issue 25 #5 and #16: what a zip's entries make `fetch` write. Many central directory records pointing at
 * one 16 MiB entry wrote a gigabyte from a zip 28 KB larger than a dump; entries that do not overlap are
 * capped in all; an entry name longer than a file name may be failed the whole fetch with ENAMETOOLONG.
 * Each zip is in the RGW rig, fetched as a user would.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { METADATA_TOTAL_CAP } from "../../src/fetch/fetch-metadata.js";
import { json } from "../support/cli.js";
import { headEntries, stemOf, zipOf } from "../support/hostile-dump.js";
import { assertOneLine } from "../support/one-line.js";
import { coredumpPeakRss } from "../support/peak-rss.js";
import { freshBucket, putObjects, rigS3, s3Env } from "../support/s3-rig.js";
import { writeZipBomb } from "../support/zip-bomb.js";

const rig = rigS3();
const MB = 1000 * 1000;
/** A ceiling on fetch's peak RSS against unbounded growth, not a performance claim. */
const RSS_CEILING = 300 * MB;
/** Each bomb entry inflates to this many MiB and a line: just under the 16 MiB cap of one metadata file. */
const ENTRY_MIB = 15;

interface Fetched {
  dir: string;
  files: string[];
}

/** Bytes of the regular files under `dir`, at any depth. */
async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

async function fetchOf(uuid: string, env: Record<string, string>) {
  const work = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
  const result = await coredumpPeakRss(["fetch", uuid, "--workdir", work, "--no-executable", "--json"], env);
  return { result, work };
}

describe("hostile #5: overlapping zip entries, and metadata capped in all", () => {
  const aliased = randomUUID();
  const copied = randomUUID();
  /** Enough distinct 15 MiB entries to pass the cap in all. */
  const copies = Math.ceil(METADATA_TOTAL_CAP / (ENTRY_MIB * 1024 * 1024)) + 1;
  let env: Record<string, string>;

  before(async () => {
    const scratch = await mkdtemp(path.join(tmpdir(), "coredump-overlap-"));
    const objects = [];
    for (const [uuid, options] of [
      [aliased, { aliases: Array.from({ length: 60 }, (_, i) => `${stemOf(aliased)}-alias-${i}.json`) }],
      [copied, { copies: Array.from({ length: copies - 1 }, (_, i) => `${stemOf(copied)}-copy-${i}.json`) }],
    ] as const) {
      const stem = stemOf(uuid);
      const file = path.join(scratch, `${stem}.zip`);
      await writeZipBomb(file, headEntries(uuid, stem), `${stem}-bomb.json`, ENTRY_MIB, options);
      objects.push({ key: `${stem}.zip`, path: file });
    }
    const bucket = await freshBucket(rig, "hostile-overlap");
    await putObjects(rig, bucket, objects);
    env = s3Env(rig, bucket);
  });

  it("60 directory records on one 15 MiB entry: refused in one line, nothing of it written", async () => {
    const { result, work } = await fetchOf(aliased, env);
    assertOneLine(result, /overlap/);
    const written = await bytesUnder(work);
    assert.ok(written < ENTRY_MIB * 1024 * 1024, `${written} bytes written`);
    assert.ok(result.peakRss < RSS_CEILING, `peak RSS ${(result.peakRss / MB).toFixed(0)} MB`);
  });

  it(`${copies} distinct 15 MiB entries: fetched up to the cap in all, the rest left out with a note`, async () => {
    const { result, work } = await fetchOf(copied, env);
    assert.equal(result.exitCode, 0, result.stderr);
    const fetched = json<Fetched>(result);
    assert.ok(fetched.files.includes("dump-info.json"), fetched.files.join(", "));
    assert.match(result.stderr, /left out: the dump's metadata files would pass [\d.]+ MB in all/);
    const written = await bytesUnder(work);
    assert.ok(written <= METADATA_TOTAL_CAP + 1024 * 1024, `${written} bytes written`);
    assert.ok(result.peakRss < RSS_CEILING, `peak RSS ${(result.peakRss / MB).toFixed(0)} MB`);
  });
});

describe("hostile #16: zip entry names longer than a file name or a path may be", () => {
  const uuid = randomUUID();
  const stem = stemOf(uuid);
  /** With the temporary suffix (`.<12 hex>.partial`, 21 bytes) this name is exactly 255 bytes: it fits. */
  const fits = `${"f".repeat(255 - 21 - ".json".length)}.json`;
  const tooLong = `${"n".repeat(300)}.json`;
  const tooDeep = `${`${"d".repeat(200)}/`.repeat(21)}x.json`;
  let env: Record<string, string>;

  before(async () => {
    const entries = headEntries(uuid, stem);
    for (const name of [fits, tooLong, tooDeep])
      entries.push({ name: `${stem}-${name}`, data: Buffer.from('{"some":"json"}') });
    const bucket = await freshBucket(rig, "hostile-long-names");
    await putObjects(rig, bucket, [{ key: `${stem}.zip`, data: await zipOf(entries) }]);
    env = s3Env(rig, bucket);
  });

  it("fetch skips each with a note, writes the rest, and exits 0", async () => {
    const { result } = await fetchOf(uuid, env);
    assert.equal(result.exitCode, 0, result.stderr);
    const fetched = json<Fetched>(result);
    assert.ok(fetched.files.includes("dump-info.json"), fetched.files.join(", "));
    assert.ok(fetched.files.includes(fits), "the name that fits is written");
    assert.ok(!fetched.files.includes(tooLong) && !fetched.files.includes(tooDeep));
    assert.match(
      result.stderr,
      /n{10}…n*\.json left in the archive: a part of its name is longer than a file name may be/,
    );
    assert.match(
      result.stderr,
      /d{10}…d*\/x\.json left in the archive: its path would be longer than a path may be/,
    );
    assert.doesNotMatch(result.stderr, /ENAMETOOLONG|\n\s+at /);
    assert.equal((await stat(path.join(fetched.dir, fits))).size, 15);
  });
});
