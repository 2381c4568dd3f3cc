import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import yauzl from "yauzl";
import {
  type DumpSpec,
  defaultSpec,
  dumpName,
  fromTemplate,
  humanSize,
  legacyDump,
  looseDump,
  readBody,
  type StoredObject,
  writeToDirectory,
  zipDump,
  zipEntryNames,
} from "../support/handler-layout.js";

const ZIP64_EXTRA_FIELD = 0x0001;
const ZIP64_EOCD_SIGNATURE = Buffer.from([0x50, 0x4b, 0x06, 0x06]);

type ReadEntry = { name: string; method: number; extraFieldIds: number[]; data: Buffer };

async function readZip(zip: Buffer): Promise<ReadEntry[]> {
  const file = await yauzl.fromBufferPromise(zip, { lazyEntries: true });
  const entries: ReadEntry[] = [];
  for await (const entry of file.eachEntry()) {
    const chunks: Buffer[] = [];
    for await (const chunk of await file.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
    entries.push({
      name: entry.fileName,
      method: entry.compressionMethod,
      extraFieldIds: entry.extraFields.map((field) => field.id),
      data: Buffer.concat(chunks),
    });
  }
  return entries;
}

function only(objects: StoredObject[]): StoredObject {
  assert.equal(objects.length, 1);
  const [object] = objects;
  assert.ok(object);
  return object;
}

function byName(entries: ReadEntry[], name: string): ReadEntry {
  const entry = entries.find((candidate) => candidate.name === name);
  assert.ok(entry, `no entry ${name} in ${entries.map((e) => e.name).join(", ")}`);
  return entry;
}

function fixedSpec(overrides: Partial<DumpSpec> = {}): DumpSpec {
  return defaultSpec({
    uuid: "36c0d272-3295-4474-a16e-00885ba04fed",
    timestamp: 1631477784,
    pid: 8,
    signal: 4,
    ...overrides,
  });
}

const NAME = "36c0d272-3295-4474-a16e-00885ba04fed-dump-1631477784-crashing-app-699c49b4ff-86wrh-node-8-4";

describe("zipDump", () => {
  it("writes the composer's entries, in order, under NAME.zip", async () => {
    const spec = fixedSpec();
    const object = only(zipDump(spec));
    assert.equal(object.key, `${NAME}.zip`);
    const entries = await readZip(await readBody(object));
    assert.deepEqual(
      entries.map((entry) => entry.name),
      [
        `${NAME}-dump-info.json`,
        `${NAME}.core`,
        `${NAME}-pod-info.json`,
        `${NAME}-runtime-info.json`,
        `${NAME}-ps-info.json`,
        `${NAME}-0.log`,
        `${NAME}-0-image-info.json`,
      ],
    );
    assert.deepEqual(
      entries.map((entry) => entry.name),
      zipEntryNames(spec),
    );
    assert.deepEqual(byName(entries, `${NAME}.core`).data, spec.core);
  });

  it("writes dump-info with a literal newline and every value a string", async () => {
    const entries = await readZip(await readBody(only(zipDump(fixedSpec()))));
    const text = byName(entries, `${NAME}-dump-info.json`).data.toString();
    assert.match(text, /"timestamp": "1631477784",\n {8}"hostname"/);
    const info = JSON.parse(text) as Record<string, unknown>;
    for (const [field, value] of Object.entries(info)) assert.equal(typeof value, "string", field);
    assert.deepEqual(info, {
      uuid: "36c0d272-3295-4474-a16e-00885ba04fed",
      dump_file: `${NAME}.core`,
      timestamp: "1631477784",
      hostname: "crashing-app-699c49b4ff-86wrh",
      exe: "node",
      real_pid: "8",
      signal: "4",
      node_hostname: "10.0.0.12",
      path: "!usr!local!bin!node",
    });
  });

  it("fills pod, runtime, ps and image info with the shapes crictl prints", async () => {
    const entries = await readZip(await readBody(only(zipDump(fixedSpec()))));
    const json = (suffix: string) => JSON.parse(byName(entries, `${NAME}${suffix}`).data.toString());
    const pod = json("-pod-info.json");
    assert.equal(pod.metadata.name, "crashing-app-699c49b4ff-86wrh");
    assert.equal(pod.metadata.namespace, "default");
    assert.equal(pod.labels["io.kubernetes.pod.uid"], pod.metadata.uid);
    const runtime = json("-runtime-info.json");
    assert.deepEqual(runtime.status.metadata, { ...pod.metadata, attempt: 0 });
    assert.match(runtime.info.image, /pause/);
    const ps = json("-ps-info.json");
    assert.equal(ps.containers[0].metadata.name, "example-crashing-nodejs-app");
    assert.equal(ps.containers[0].imageRef, ps.containers[0].image.image);
    assert.deepEqual(json("-0-image-info.json"), {
      id: "sha256:3b8adc6c30f4e7e4afb57daef9d1c8af783a4a647a4670780e9df085c0525efa",
      repoDigests: [
        "docker.io/number9/example-crashing-nodejs-app@sha256:b8fea40ed9da77307702608d1602a812c5983e0ec0b788fc6298985a40be3800",
      ],
      repoTags: ["docker.io/number9/example-crashing-nodejs-app:latest"],
      size: "338054458",
      uid: null,
      username: "node",
    });
  });

  it("repeats counter 0 with duplicateCounters (handler 7.0 to 8.7)", async () => {
    const spec = fixedSpec({ containers: [{ name: "app" }, { name: "sidecar" }] });
    const names = (await readZip(await readBody(only(zipDump(spec, { duplicateCounters: true }))))).map(
      (e) => e.name,
    );
    assert.deepEqual(names.slice(5), [
      `${NAME}-0.log`,
      `${NAME}-0-image-info.json`,
      `${NAME}-0.log`,
      `${NAME}-0-image-info.json`,
    ]);
    const counted = zipEntryNames(spec).slice(5);
    assert.deepEqual(counted, [
      `${NAME}-0.log`,
      `${NAME}-0-image-info.json`,
      `${NAME}-1.log`,
      `${NAME}-1-image-info.json`,
    ]);
  });

  it("marks every entry and the end record as ZIP64 with zip64", async () => {
    const zip = await readBody(only(zipDump(fixedSpec(), { zip64: true })));
    assert.ok(zip.includes(ZIP64_EOCD_SIGNATURE), "no zip64 end of central directory record");
    for (const entry of await readZip(zip))
      assert.ok(entry.extraFieldIds.includes(ZIP64_EXTRA_FIELD), entry.name);

    const plain = await readBody(only(zipDump(fixedSpec())));
    assert.ok(!plain.includes(ZIP64_EOCD_SIGNATURE));
  });

  it("deflates the core by default and stores it with coreCompression: store", async () => {
    const deflated = byName(await readZip(await readBody(only(zipDump(fixedSpec())))), `${NAME}.core`);
    assert.equal(deflated.method, 8);
    const stored = zipDump(fixedSpec(), { coreCompression: "store" });
    assert.equal(byName(await readZip(await readBody(only(stored))), `${NAME}.core`).method, 0);
  });

  it("adds the proc folder per container with proc", () => {
    const names = zipEntryNames(fixedSpec(), { proc: true });
    for (const file of ["auxv", "cmdline", "environ", "maps", "status"]) {
      assert.ok(names.includes(`${NAME}-0-proc/${file}`), file);
    }
  });

  it("writes one image-info with no counter, no logs and the items wrapper for v2-6", async () => {
    const entries = await readZip(await readBody(only(zipDump(fixedSpec(), { version: "v2-6" }))));
    assert.deepEqual(entries.map((e) => e.name).slice(5), [`${NAME}-image-info.json`]);
    const pod = JSON.parse(byName(entries, `${NAME}-pod-info.json`).data.toString());
    assert.equal(pod.items[0].metadata.namespace, "default");
  });

  it("stops after an empty pod info when the lookup failed", () => {
    const names = zipEntryNames(fixedSpec({ namespace: "unknown", pod: "unknown" }));
    assert.deepEqual(names, [`${NAME}-dump-info.json`, `${NAME}.core`, `${NAME}-pod-info.json`]);
  });

  it("names the zip from a template and prefixes keys", () => {
    const spec = fixedSpec({
      keyPrefix: "cores/default/",
      nameTemplate: fromTemplate("{namespace}-{podname}-{uuid}"),
    });
    const name = "default-crashing-app-699c49b4ff-86wrh-36c0d272-3295-4474-a16e-00885ba04fed";
    assert.equal(dumpName(spec), name);
    assert.equal(only(zipDump(spec)).key, `cores/default/${name}.zip`);
  });
});

describe("looseDump", () => {
  it("writes the four era-1 objects and a gzip that round-trips", async () => {
    const spec = fixedSpec();
    const objects = looseDump(spec);
    assert.deepEqual(
      objects.map((object) => object.key),
      [`${NAME}.core.gz`, `${NAME}-dump-info.json`, `${NAME}-image-info.json`, `${NAME}-runtime-info.json`],
    );
    const [core, dumpInfo, imageInfo, runtimeInfo] = await Promise.all(objects.map(readBody));
    assert.ok(core && dumpInfo && imageInfo && runtimeInfo);
    assert.deepEqual(gunzipSync(core), spec.core);
    const info = JSON.parse(dumpInfo.toString()) as Record<string, unknown>;
    for (const value of Object.values(info)) assert.equal(typeof value, "string");
    assert.equal(info.dump_file, `${NAME}.core.gz`);
    assert.equal(info.ext, ".gz");
    assert.deepEqual(JSON.parse(imageInfo.toString()), {
      repo: "docker.io/number9/example-crashing-nodejs-app",
      tag: "latest",
      id: "3b8adc6c30f4e",
      size: "338MB",
    });
    const runtime = JSON.parse(runtimeInfo.toString());
    assert.equal(runtime.status.metadata.namespace, "default");
    assert.equal(runtime.status.labels.app, "crashing-app");
    assert.match(runtime.info.image, /pause/);
  });

  it("writes a bare core from its path without gzip", async () => {
    const dir = await mkdtemp(join(tmpdir(), "handler-layout-"));
    try {
      const [source] = await writeToDirectory([{ key: "core", data: Buffer.from("ELF") }], dir);
      assert.ok(source);
      const [core] = looseDump(fixedSpec({ core: source.path }), { gzip: false });
      assert.deepEqual(core, { key: `${NAME}.core`, path: source.path });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("legacyDump", () => {
  it("names era-0 objects without a uuid", () => {
    const keys = legacyDump(fixedSpec()).map((object) => object.key);
    const name = "dump-1631477784-crashing-app-699c49b4ff-86wrh-node-8-4";
    assert.deepEqual(keys, [`${name}.core.gz`, `${name}.json`]);
  });
});

describe("writeToDirectory", () => {
  it("creates folders for prefixed keys and zip bodies", async () => {
    const dir = await mkdtemp(join(tmpdir(), "handler-layout-"));
    try {
      const spec = fixedSpec({ keyPrefix: "cores/default" });
      const written = await writeToDirectory([...zipDump(spec), ...looseDump(spec)], dir);
      assert.equal(written.length, 5);
      assert.equal((await readdir(join(dir, "cores", "default"))).length, 5);
      const zip = await readFile(join(dir, "cores", "default", `${NAME}.zip`));
      assert.equal((await readZip(zip)).length, 7);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("humanSize", () => {
  it("prints sizes as crictl img does", () => {
    assert.equal(humanSize(338054458), "338MB");
    assert.equal(humanSize(2801976), "2.8MB");
    assert.equal(humanSize(999), "999B");
  });
});
