/**
 * Issue 25 #7 and #22: which working folder, and which dump, an id names. A dump of a second folder store
 * with another dump's key name (or only its dump-info uuid), size and mtime reused that dump's fetch; two
 * dumps with one uuid in one store could not be picked at all. Zip dumps in --dir stores, each core 64
 * bytes of one letter, so that which dump was fetched shows in the core.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readFile, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { coredump, json } from "../support/cli.js";
import { headEntries, stemOf, zipOf } from "../support/hostile-dump.js";

interface Fetched {
  id: string;
  dir: string;
  core: string;
}

/** A zip dump whose key is `<key uuid>…`, its dump-info changed by `dumpInfo`; its core is 64 × `letter`. */
async function letterZip(
  keyUuid: string,
  letter: string,
  dumpInfo: Record<string, string> = {},
): Promise<Buffer> {
  const entries = headEntries(keyUuid, stemOf(keyUuid), dumpInfo);
  const core = entries.find((entry) => entry.name.endsWith(".core"));
  assert.ok(core);
  core.data = Buffer.alloc(64, letter);
  return zipOf(entries);
}

/** Writes `bytes` as `key` under `store`, with one fixed mtime: a folder store's ETag is size and mtime. */
async function put(store: string, key: string, bytes: Buffer): Promise<void> {
  const file = path.join(store, key);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, bytes);
  await utimes(file, 1764600000, 1764600000);
}

async function fetchJson(id: string, store: string, work: string): Promise<Fetched & { letter: string }> {
  const result = await coredump([
    "fetch",
    id,
    "--dir",
    store,
    "--workdir",
    work,
    "--no-executable",
    "--json",
  ]);
  assert.equal(result.exitCode, 0, result.stderr);
  const fetched = json<Fetched>(result);
  return { ...fetched, letter: (await readFile(fetched.core, "latin1")).slice(0, 1) };
}

const folder = (label: string) => mkdtemp(path.join(tmpdir(), `coredump-${label}-`));

describe("hostile #7: a working folder is never reused for another store's or another key's dump", () => {
  it("one key name in two folder stores, same size and mtime: each fetch gets its own store's core", async () => {
    const uuid = randomUUID();
    const key = `${stemOf(uuid)}.zip`;
    const [first, second, work] = [await folder("store-a"), await folder("store-b"), await folder("work")];
    const [a, b] = [await letterZip(uuid, "A"), await letterZip(uuid, "B")];
    assert.equal(a.length, b.length, "the two zips must be of one size for the ETags to agree");
    await put(first, key, a);
    await put(second, key, b);
    assert.equal((await fetchJson(uuid, first, work)).letter, "A");
    assert.equal((await fetchJson(uuid, second, work)).letter, "B");
    assert.equal((await fetchJson(uuid, first, work)).letter, "A");
  });

  it("a dump whose dump-info claims another's uuid gets a folder of its own key's uuid", async () => {
    const [claimed, own] = [randomUUID(), randomUUID()];
    const [first, second, work] = [await folder("store-a"), await folder("store-b"), await folder("work")];
    // One dump-info for both (B's claims A's uuid), so that the zips are of one size.
    const info = { uuid: claimed, dump_file: `${stemOf(own)}.core` };
    const [a, b] = [await letterZip(claimed, "A", info), await letterZip(own, "B", info)];
    assert.equal(a.length, b.length);
    await put(first, `${stemOf(claimed)}.zip`, a);
    await put(second, `${stemOf(own)}.zip`, b);
    const fromFirst = await fetchJson(claimed, first, work);
    // B is named by its key; once its dump-info is read, its id is the uuid that dump-info claims.
    const fromSecond = await fetchJson(own, second, work);
    assert.equal(fromFirst.letter, "A");
    assert.equal(fromSecond.letter, "B");
    assert.equal(path.basename(fromSecond.dir), own);
    assert.equal(path.basename(fromFirst.dir), claimed);
    assert.equal(
      (await readFile(fromFirst.core, "latin1")).slice(0, 1),
      "A",
      "the first dump's folder is intact",
    );
    assert.ok((await stat(fromFirst.core)).isFile());
  });
});

describe("hostile #22: two dumps with one uuid in one store", () => {
  it("the id's error names both keys and how to pick one; each key fetches its own dump", async () => {
    const uuid = randomUUID();
    const stem = stemOf(uuid);
    const [store, work] = [await folder("store"), await folder("work")];
    await put(store, `team-a/${stem}.zip`, await letterZip(uuid, "A"));
    await put(store, `team-b/${stem}.zip`, await letterZip(uuid, "B"));
    for (const id of [uuid, uuid.slice(0, 8)]) {
      const result = await coredump(["fetch", id, "--dir", store, "--workdir", work, "--no-executable"]);
      assert.equal(result.exitCode, 1, result.stderr);
      assert.match(
        result.stderr,
        /matches 2 dumps, some of them with one uuid: give the key of the one you mean/,
      );
      assert.match(result.stderr, new RegExp(`team-a/${stem}\\.zip`));
      assert.match(result.stderr, new RegExp(`team-b/${stem}\\.zip`));
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    }
    assert.equal((await fetchJson(`team-a/${stem}.zip`, store, work)).letter, "A");
    assert.equal((await fetchJson(`team-b/${stem}.zip`, store, work)).letter, "B");
    const help = await coredump(["fetch", "--help"]);
    assert.match(help.stdout, /one of its keys/);
  });
});
