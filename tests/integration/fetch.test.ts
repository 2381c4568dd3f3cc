import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { ZipFile } from "yazl";
import { sha256File } from "../../src/util/sha256-file.js";
import { coredump, coredumpProcess, freshCacheHome, json } from "../support/cli.js";
import { CountingProxy } from "../support/counting-proxy.js";
import { FaultProxy } from "../support/fault-proxy.js";
import {
  defaultSpec,
  dumpName,
  looseDump,
  readBody,
  type StoredObject,
  zipDump,
} from "../support/handler-layout.js";
import { realCore } from "../support/real-core.js";
import { freshBucket, putObjects, rigS3, s3Env } from "../support/s3-rig.js";

const rig = rigS3();

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function workdir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), "coredump-work-"));
}

interface Fetched {
  id: string;
  dir: string;
  core: string;
  files: string[];
  reused: boolean;
}

describe("fetch: every format, byte for byte, sparse and private", () => {
  let bucket: string;
  let original: string;
  let coreSize: number;
  const specs = {
    gz: defaultSpec(),
    bare: defaultSpec(),
    deflated: defaultSpec({
      containers: [
        { name: "app", log: "first\n" },
        { name: "sidecar", log: "second\n" },
      ],
    }),
    stored64: defaultSpec(),
  };

  before(async () => {
    const core = await realCore();
    original = await sha256File(core.core);
    coreSize = (await stat(core.core)).size;
    for (const spec of Object.values(specs)) spec.core = core.core;
    bucket = await freshBucket(rig, "fetch");
    await putObjects(rig, bucket, [
      ...looseDump(specs.gz),
      ...looseDump(specs.bare, { gzip: false }),
      ...zipDump(specs.deflated, { duplicateCounters: true, proc: true }),
      ...zipDump(specs.stored64, { zip64: true, coreCompression: "store" }),
    ]);
  });

  for (const [name, spec] of Object.entries(specs)) {
    it(`${name}: the core is identical to the crashed process's, sparse, 0600 in a 0700 folder`, async () => {
      const work = await workdir();
      const result = await coredump(
        ["fetch", spec.uuid, "--workdir", work, "--no-executable", "--json"],
        s3Env(rig, bucket),
      );
      assert.equal(result.exitCode, 0, result.stderr);
      const fetched = json<Fetched>(result);
      assert.equal(fetched.dir, path.join(work, spec.uuid));
      assert.equal(fetched.core, path.join(work, spec.uuid, "core"));
      assert.equal(await sha256File(fetched.core), original);
      const info = await stat(fetched.core);
      assert.equal(info.size, coreSize);
      assert.ok(
        info.blocks * 512 < info.size / 2,
        `not sparse: ${info.blocks * 512} bytes on disk of ${info.size}`,
      );
      assert.equal(info.mode & 0o777, 0o600);
      assert.equal((await stat(fetched.dir)).mode & 0o777, 0o700);
      for (const file of fetched.files)
        assert.equal((await stat(path.join(fetched.dir, file))).mode & 0o777, 0o600, file);
      assert.ok(fetched.files.includes("dump-info.json"));
      assert.equal(
        JSON.parse(await readFile(path.join(fetched.dir, "dump-info.json"), "utf8")).uuid,
        spec.uuid,
      );
    });
  }

  it("keeps duplicate zip entry names apart and lays out proc files", async () => {
    const work = await workdir();
    const fetched = json<Fetched>(
      await coredump(
        ["fetch", specs.deflated.uuid, "--workdir", work, "--no-executable", "--json"],
        s3Env(rig, bucket),
      ),
    );
    const files = [...fetched.files].sort();
    for (const expected of [
      "0.log",
      "1.log",
      "0-image-info.json",
      "1-image-info.json",
      "0-proc/maps",
      "pod-info.json",
      "ps-info.json",
    ]) {
      assert.ok(files.includes(expected), `${expected} missing from ${files.join(", ")}`);
    }
    assert.equal(await readFile(path.join(fetched.dir, "0.log"), "utf8"), "first\n");
    assert.equal(await readFile(path.join(fetched.dir, "1.log"), "utf8"), "second\n");
  });

  it("does nothing on a second fetch of a complete dump, and downloads again with --force", async () => {
    const proxy = await CountingProxy.start(rig.endpoint);
    try {
      const work = await workdir();
      const env = { ...s3Env(rig, bucket), S3_ENDPOINT: proxy.endpoint, XDG_CACHE_HOME: freshCacheHome() };
      const first = await coredump(
        ["fetch", specs.gz.uuid, "--workdir", work, "--no-executable", "--json"],
        env,
      );
      assert.equal(json<Fetched>(first).reused, false);
      proxy.reset();
      const second = await coredump(
        ["fetch", specs.gz.uuid, "--workdir", work, "--no-executable", "--json"],
        env,
      );
      assert.equal(json<Fetched>(second).reused, true);
      assert.deepEqual(proxy.objectReads(), [], "a refetch reads no object");
      const forced = await coredump(
        ["fetch", specs.gz.uuid, "--workdir", work, "--no-executable", "--json", "--force"],
        env,
      );
      assert.equal(json<Fetched>(forced).reused, false);
      assert.ok(proxy.objectReads().some((request) => request.path.includes(".core.gz")));
      assert.equal(await sha256File(json<Fetched>(forced).core), original);
    } finally {
      await proxy.stop();
    }
  });

  it("resumes connections cut in the middle of the body and still writes the identical core", async () => {
    // The first four connections die after 3 MB each: the 50 MB stored zip is read as several chunks at
    // once, so every one of them is interrupted at least once and resumed with a Range request.
    const proxy = await FaultProxy.start(rig.endpoint, (connection) =>
      connection < 4 ? { cutAfter: 3_000_000 } : {},
    );
    try {
      const work = await workdir();
      const env = { ...s3Env(rig, bucket), S3_ENDPOINT: proxy.endpoint };
      const result = await coredump(
        ["fetch", specs.stored64.uuid, "--workdir", work, "--no-executable", "--json"],
        env,
      );
      assert.equal(result.exitCode, 0, result.stderr);
      assert.match(result.stderr, /retrying .* from byte \d+/);
      assert.equal(await sha256File(json<Fetched>(result).core), original);
    } finally {
      await proxy.stop();
    }
  });

  it("drops a stalled connection and resumes", async () => {
    const proxy = await FaultProxy.start(rig.endpoint, (connection) =>
      connection < 3 ? { stallAfter: 2_000_000 } : {},
    );
    try {
      const work = await workdir();
      const env = { ...s3Env(rig, bucket), S3_ENDPOINT: proxy.endpoint, COREDUMP_READ_TIMEOUT: "1" };
      const result = await coredump(
        ["fetch", specs.stored64.uuid, "--workdir", work, "--no-executable", "--json"],
        env,
      );
      assert.equal(result.exitCode, 0, result.stderr);
      assert.match(result.stderr, /stalled/);
      assert.equal(await sha256File(json<Fetched>(result).core), original);
    } finally {
      await proxy.stop();
    }
  });

  it("lets two fetches of one dump run at once: one waits for the other, neither breaks the other's files", async () => {
    const work = await workdir();
    const run = () =>
      coredump(
        ["fetch", specs.stored64.uuid, "--workdir", work, "--no-executable", "--json", "--force"],
        s3Env(rig, bucket),
      );
    const [first, second] = await Promise.all([run(), run()]);
    assert.equal(first.exitCode, 0, first.stderr);
    assert.equal(second.exitCode, 0, second.stderr);
    assert.equal(await sha256File(json<Fetched>(first).core), original);
    const left = await readdir(path.join(work, specs.stored64.uuid));
    assert.ok(!left.some((name) => name.endsWith(".partial") || name.endsWith(".lock")), left.join(", "));
  });

  it("leaves no core and no partial file when interrupted with Ctrl-C", async () => {
    const proxy = await FaultProxy.start(rig.endpoint, (connection) =>
      connection > 0 ? { stallAfter: 5_000_000 } : {},
    );
    try {
      const work = await workdir();
      const env = { ...s3Env(rig, bucket), S3_ENDPOINT: proxy.endpoint };
      const running = coredumpProcess(
        ["fetch", specs.stored64.uuid, "--workdir", work, "--no-executable"],
        env,
      );
      await waitFor(async () =>
        (await readdir(path.join(work, specs.stored64.uuid)).catch(() => [])).some((name) =>
          name.endsWith(".partial"),
        ),
      );
      running.kill("SIGINT");
      const result = await running;
      assert.equal(result.exitCode, 130, result.stderr);
      assert.match(result.stderr, /interrupted: no core was written/);
      const left = await readdir(path.join(work, specs.stored64.uuid));
      assert.ok(!left.includes("core") && !left.some((name) => name.endsWith(".partial")), left.join(", "));
    } finally {
      await proxy.stop();
    }
  });

  it("leaves no core and no partial file when the retries run out", async () => {
    const cache = freshCacheHome();
    await coredump(["list"], { ...s3Env(rig, bucket), XDG_CACHE_HOME: cache });
    const proxy = await FaultProxy.start(rig.endpoint, () => ({ cutAfter: 300_000 }));
    try {
      const work = await workdir();
      const env = { ...s3Env(rig, bucket), S3_ENDPOINT: proxy.endpoint, XDG_CACHE_HOME: cache };
      const result = await coredump(
        ["fetch", specs.stored64.uuid, "--workdir", work, "--no-executable"],
        env,
      );
      assert.equal(result.exitCode, 1);
      assert.deepEqual(
        await readdir(path.join(work, specs.stored64.uuid)).then((names) =>
          names.filter((n) => !n.endsWith(".json") && !n.endsWith(".log") && !n.endsWith("-proc")),
        ),
        [],
      );
    } finally {
      await proxy.stop();
    }
  });
});

/** A zip whose entry `name` is renamed in place to `unsafe` (same length): yazl refuses to write such names. */
async function zipWithEntryName(
  entries: Array<[string, Buffer]>,
  name: string,
  unsafe: string,
): Promise<Buffer> {
  assert.equal(name.length, unsafe.length);
  const zip = new ZipFile();
  for (const [entry, data] of entries) zip.addBuffer(data, entry);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  return Buffer.from(bytes.toString("latin1").replaceAll(name, unsafe), "latin1");
}

describe("fetch: malformed dumps fail cleanly", () => {
  let bucket: string;
  const broken: Record<string, { spec: ReturnType<typeof defaultSpec>; message: RegExp }> = {};

  before(async () => {
    const core = await realCore();
    bucket = await freshBucket(rig, "broken");
    const objects: StoredObject[] = [];
    const add = (
      label: string,
      message: RegExp,
      build: (spec: ReturnType<typeof defaultSpec>) => Promise<StoredObject[]> | StoredObject[],
    ) => {
      const spec = defaultSpec({ core: core.core });
      broken[label] = { spec, message };
      return Promise.resolve(build(spec)).then((made) => objects.push(...made));
    };
    await add("truncated gzip", /corrupt or truncated/, async (spec) => {
      const loose = looseDump(spec);
      const gz = loose.find((object) => object.key.endsWith(".core.gz")) as StoredObject;
      const bytes = await readBody(gz);
      return [
        ...loose.filter((object) => object !== gz),
        { key: gz.key, data: bytes.subarray(0, bytes.length >> 1) },
      ];
    });
    await add("bad CRC", /CRC-32/, async (spec) => {
      const [zip] = zipDump(spec, { coreCompression: "store" });
      const bytes = await readBody(zip as StoredObject);
      const at = bytes.indexOf(Buffer.from("release/v"));
      bytes[at] = 0x51; // a byte inside the stored core, which only the CRC can notice
      return [{ key: (zip as StoredObject).key, data: bytes }];
    });
    await add("zip slip", /outside the dump's folder/, async (spec) => {
      const name = dumpName(spec);
      const data = await zipWithEntryName(
        [
          [`${name}-dump-info.json`, Buffer.from(JSON.stringify({ uuid: spec.uuid }))],
          [`${name}.core`, gzipSync("not read")],
          ["aa/aa/evil.json", Buffer.from("{}")],
        ],
        "aa/aa/evil.json",
        "../../evil.json",
      );
      return [{ key: `${name}.zip`, data }];
    });
    await add("empty core", /empty/, (spec) =>
      looseDump(spec, { gzip: false }).map((object) =>
        object.key.endsWith(".core") ? { key: object.key, data: Buffer.alloc(0) } : object,
      ),
    );
    await add("missing core", /has no core/, (spec) =>
      looseDump(spec).filter((object) => !object.key.endsWith(".core.gz")),
    );
    await putObjects(rig, bucket, objects);
  });

  after(() => undefined);

  for (const label of ["truncated gzip", "bad CRC", "zip slip", "empty core", "missing core"]) {
    it(`${label}: one line, exit 1, no core left behind`, async () => {
      const { spec, message } = broken[label] as { spec: ReturnType<typeof defaultSpec>; message: RegExp };
      const work = await workdir();
      const result = await coredump(
        ["fetch", spec.uuid, "--workdir", work, "--no-executable"],
        s3Env(rig, bucket),
      );
      assert.equal(result.exitCode, 1, result.stdout);
      assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
      assert.match(result.stderr, message);
      const left = await readdir(path.join(work, spec.uuid)).catch(() => [] as string[]);
      assert.ok(!left.includes("core"), `a core was left: ${left.join(", ")}`);
      assert.ok(
        !left.some((name) => name.endsWith(".partial")),
        `a partial file was left: ${left.join(", ")}`,
      );
      assert.ok(!left.includes(".coredump-fetch.json"));
    });
  }
});
