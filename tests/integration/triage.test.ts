/**
 * `coredump triage` over a bucket of a few dozen real cores (tests/support/triage-corpus.ts: every kind a
 * Node process dies of on the official Node 20, 22, 24 and 26, the tutorial's uncaught exception on each,
 * and Go's panics and fatal errors) and a few thousand placeholder dumps, served from RGW: three shard
 * processes side by side as an Indexed Job runs them, one killed with SIGKILL in the middle of a dump and
 * run again. Each record is checked against what `report --json` says of its dump.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import pLimit from "p-limit";
import { inShard } from "../../src/triage/shard.js";
import {
  type CliResult,
  coredump,
  coredumpProcess,
  freshCacheHome,
  HANG_CEILING_MS,
  json,
} from "../support/cli.js";
import { CountingProxy } from "../support/counting-proxy.js";
import { removeGoScratch } from "../support/go-core.js";
import { defaultSpec, type ImageSpec, type StoredObject, zipDump } from "../support/handler-layout.js";
import { projectLlnode } from "../support/llnode-plugin.js";
import {
  freshBucket,
  grantPrefix,
  grantReadWrite,
  listKeys,
  putObjects,
  readText,
  rigS3,
  s3Env,
} from "../support/s3-rig.js";
import { type CorpusDump, triageCorpus } from "../support/triage-corpus.js";

/** The official builds whose cores the bucket holds; the placeholders' image is the first's. */
const VERSIONS = ["22.22.0", "20.20.2", "24.11.0", "26.12.1"];
const SHARDS = 3;
/** A bucket of a few thousand dumps, as the issue asks: each shard triages hundreds before its real cores. */
const PLACEHOLDERS = 2000;
/** Records read back at once. */
const READERS = 16;
/** `report --json` runs at once to check the records by: the machine's two cores. */
const REPORTERS = 2;

interface Frame {
  function: string;
  file?: string;
  line?: number;
  column?: number;
  receiver?: string | null;
  arguments?: string[] | null;
  argumentCount?: number;
}

/** What a record and `report --json` both hold: the first is checked against the second. */
interface Findings {
  kind: string | null;
  signalName: string | null;
  nodeVersion: string | null;
  error: unknown;
  jsStack: Frame[];
  heap?: { top: unknown[] };
  fault?: unknown;
  runtime?: string;
}

interface TriageRecord extends Findings {
  id: string;
  status: string;
  title: string | null;
  reason?: string;
}

interface TriageLine {
  id: string;
  status: string;
  kind: string | null;
  record: string;
}

const RECORD = /(^|\/)\.coredump-triage\/.+\.json$/;

function triageLines(result: Pick<CliResult, "stdout">): TriageLine[] {
  return result.stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as TriageLine);
}

describe("triage: every dump analysed once by three shards, the answers in list, info and groups", () => {
  const s3 = rigS3();
  let bucket: string;
  let env: Record<string, string>;
  let workdir: string;
  let image: ImageSpec;
  /** Every dump's uuid, the real ones apart. */
  const ids: string[] = [];
  const real = new Map<string, CorpusDump>();
  /** Each dump's zip key: a read of one is a core fetched. */
  const zips: string[] = [];

  before(async () => {
    bucket = await freshBucket(s3, "triage");
    const corpus = await triageCorpus(VERSIONS, "triage");
    image = corpus.images.get(VERSIONS[0] as string) as ImageSpec;
    const objects: StoredObject[] = [];
    for (const dump of corpus.dumps) {
      // Deflated, as the composer does by default: a core of Node 24 or 26 is 590 MB, mostly V8's untouched
      // reservations, and two dozen stored whole would overflow the rig's OSD (4 GiB of RAM).
      objects.push(...zipDump(dump.spec));
      real.set(dump.spec.uuid, dump);
      ids.push(dump.spec.uuid);
    }
    // Placeholders, a third of them where the operator uploads (`<prefix>/<namespace>/`): records go beside.
    for (let index = 0; index < PLACEHOLDERS; index++) {
      const spec = defaultSpec({ image, ...(index % 3 === 0 ? { keyPrefix: "cores/shop" } : {}) });
      objects.push(...zipDump(spec));
      ids.push(spec.uuid);
    }
    zips.push(...objects.map((object) => object.key).filter((key) => key.endsWith(".zip")));
    await putObjects(s3, bucket, objects);
    workdir = await mkdtemp(path.join(tmpdir(), "coredump-triage-work-"));
    env = { ...s3Env(s3, bucket), XDG_CACHE_HOME: freshCacheHome(), LLNODE_PLUGIN: await projectLlnode() };
  });

  after(() => removeGoScratch());

  /**
   * The shard process of an Indexed Job's pod `index`: its share from the Job's variables alone, two dumps
   * at once as docker/k8s/triage-job.yaml runs it.
   */
  function shard(index: number, extra: Record<string, string> = {}) {
    return coredumpProcess(["triage", "--jobs", "2", "--workdir", workdir, "--json"], {
      ...env,
      JOB_COMPLETION_INDEX: String(index),
      JOB_COMPLETIONS: String(SHARDS),
      ...extra,
    });
  }

  async function records(): Promise<Map<string, TriageRecord[]>> {
    const found = new Map<string, TriageRecord[]>();
    const limit = pLimit(READERS);
    const keys = (await listKeys(s3, bucket)).filter((key) => RECORD.test(key));
    const read = await Promise.all(keys.map((key) => limit(() => readText(s3, bucket, key))));
    for (const text of read) {
      const record = JSON.parse(text) as TriageRecord;
      found.set(record.id, [...(found.get(record.id) ?? []), record]);
    }
    return found;
  }

  it("three shards from JOB_COMPLETION_INDEX, one killed mid-dump and run again: one record per dump, each what report --json says", async () => {
    // The shard with the most real cores is killed while it reports on its first.
    const realIds = [...real.keys()];
    const shares = Array.from(
      { length: SHARDS },
      (_, index) => realIds.filter((id) => inShard(id, { index, count: SHARDS })).length,
    );
    const victim = shares.indexOf(Math.max(...shares));
    const victimReal = realIds.filter((id) => inShard(id, { index: victim, count: SHARDS }));
    const runs = Array.from({ length: SHARDS }, (_, index) => shard(index));
    let victimEnded = false;
    runs[victim]?.on("exit", () => {
      victimEnded = true;
    });
    let inFlight: string | undefined;
    while (!inFlight) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      // Its core fetched whole: the report on it is under way.
      inFlight = victimReal.find((id) => existsSync(path.join(workdir, id, "core")));
      assert.ok(!victimEnded, "the shard to kill ended before any core of its own");
    }
    runs[victim]?.kill("SIGKILL");
    const results = await Promise.all(runs);
    assert.equal(results[victim]?.signal, "SIGKILL");
    for (const [index, result] of results.entries())
      if (index !== victim) assert.equal(result.exitCode, 0, `shard ${index}: ${result.stderr}`);
    assert.equal((await records()).get(inFlight), undefined, "a killed worker leaves no record of its dump");

    const again = await shard(victim);
    assert.equal(again.exitCode, 0, again.stderr);
    assert.ok(triageLines(again).some((line) => line.id === inFlight));

    const found = await records();
    assert.deepEqual([...found.keys()].sort(), [...ids].sort());
    for (const [id, copies] of found) assert.equal(copies.length, 1, id);
    const reportWork = await mkdtemp(path.join(tmpdir(), "coredump-triage-report-"));
    const reporters = pLimit(REPORTERS);
    const reports = await Promise.all(
      [...real.keys()].map((id) =>
        reporters(() => coredump(["report", id, "--workdir", reportWork, "--json"], env)),
      ),
    );
    for (const [index, { spec, kind, runtime, label }] of [...real.values()].entries()) {
      const record = found.get(spec.uuid)?.[0] as TriageRecord;
      const result = reports[index] as CliResult;
      assert.equal(result.exitCode, 0, `${label}: ${result.stderr}`);
      const report = json<Findings>(result);
      assert.equal(report.kind, kind, label);
      assert.equal(record.status, "triaged", `${label}: ${record.reason}`);
      assert.deepEqual(
        {
          kind: record.kind,
          signalName: record.signalName,
          nodeVersion: record.nodeVersion,
          error: record.error,
          jsStack: record.jsStack,
          heapTop: record.heap?.top,
          fault: record.fault,
        },
        {
          kind: report.kind,
          signalName: report.signalName,
          nodeVersion: report.nodeVersion,
          error: report.error,
          // What each frame was called with is the program's data: the report has it, the record not.
          jsStack: report.jsStack
            .slice(0, record.jsStack.length)
            .map(({ receiver: _receiver, arguments: _arguments, argumentCount: _count, ...site }) => site),
          heapTop: report.heap?.top,
          fault: report.fault,
        },
        label,
      );
      assert.equal(record.runtime, runtime, label);
      assert.equal(report.runtime, runtime, label);
      if (runtime === "go") continue;
      // The walker's frames carry them (a rejection's stack is the Error's, and an out-of-memory core's empty).
      if (!["out-of-memory", "unhandled-rejection"].includes(kind))
        assert.ok(
          report.jsStack.some((frame) => frame.arguments),
          `${label}: the report's frames carry their arguments`,
        );
      assert.ok(record.jsStack.length > 0 || kind === "out-of-memory", label);
    }
    // Two dozen cores, some of 700 MB: not left for the rest of the run.
    await rm(reportWork, { recursive: true, force: true });
    for (const id of ids.filter((id) => !real.has(id))) {
      const record = found.get(id)?.[0] as TriageRecord;
      assert.equal(record.status, "untriageable", id);
      assert.match(record.reason ?? "", /^no executable: /);
    }
    // The working folder keeps no core.
    for (const id of ids) assert.ok(!existsSync(path.join(workdir, id, "core")), id);
  });

  it("a second run of all shards reads no core and triages nothing", async () => {
    const proxy = await CountingProxy.start(s3.endpoint);
    try {
      // The metadata cache is per store, endpoint included: `list` reads the dumps' JSON through the proxy
      // first, so that what is counted after is the triage's own reading.
      assert.equal((await coredump(["list"], { ...env, S3_ENDPOINT: proxy.endpoint })).exitCode, 0);
      proxy.reset();
      const results = await Promise.all(
        Array.from({ length: SHARDS }, (_, index) => shard(index, { S3_ENDPOINT: proxy.endpoint })),
      );
      for (const result of results) {
        assert.equal(result.exitCode, 0, result.stderr);
        assert.equal(result.stdout, "");
        assert.match(result.stderr, /0 triaged/);
      }
      const cores = proxy.objectReads().filter((request) => zips.some((key) => request.path.includes(key)));
      assert.deepEqual(cores, []);
    } finally {
      await proxy.stop();
    }
  });

  it("list, info and groups show what the records say", async () => {
    const found = await records();
    const list = json<
      Array<{
        id: string;
        triage: { status: string; kind: string | null; title: string | null; runtime?: string } | null;
      }>
    >(await coredump(["list", "--json"], env));
    assert.equal(list.length, ids.length);
    for (const row of list) {
      const record = found.get(row.id)?.[0];
      assert.deepEqual(
        row.triage,
        {
          status: record?.status,
          kind: record?.kind,
          title: record?.title,
          ...(record?.runtime ? { runtime: record.runtime } : {}),
        },
        row.id,
      );
    }
    assert.ok(
      list.some((row) => row.triage?.runtime === "node"),
      "list --json names the runtime of a triaged dump",
    );
    const table = await coredump(["list"], env);
    assert.match(table.stdout, /^ID .* KIND +CRASH$/m);
    const oom = [...real].find(([, dump]) => dump.kind === "out-of-memory")?.[0] ?? "";
    const info = json<{ triage: TriageRecord | null }>(await coredump(["info", oom, "--json"], env));
    assert.deepEqual(info.triage, found.get(oom)?.[0]);
    const groups = json<Array<{ kind: string; count: number; triaged: number; ids: string[] }>>(
      await coredump(["groups", "--json"], env),
    );
    for (const [id, { kind, label }] of real) {
      const group = groups.find((candidate) => candidate.ids.includes(id));
      assert.equal(group?.kind, kind, label);
      assert.equal(group?.triaged, group?.count, label);
    }
  });

  describe("credentials that may read the dump bucket but not write it", () => {
    let readOnly: Record<string, string>;
    let dumpBucket: string;
    let placeholderIds: string[];

    before(async () => {
      dumpBucket = await freshBucket(s3, "triage-ro");
      const specs = Array.from({ length: 3 }, () => defaultSpec({ image }));
      placeholderIds = specs.map((spec) => spec.uuid);
      await putObjects(
        s3,
        dumpBucket,
        specs.flatMap((spec) => zipDump(spec)),
      );
      await grantPrefix(s3, dumpBucket, s3.team.user, "");
      readOnly = {
        ...s3Env(s3, dumpBucket),
        S3_ACCESS_KEY: s3.team.accessKey,
        S3_SECRET: s3.team.secret,
        XDG_CACHE_HOME: freshCacheHome(),
      };
    });

    it("say so in one line before any core is fetched", async () => {
      const proxy = await CountingProxy.start(s3.endpoint);
      try {
        const through = { ...readOnly, S3_ENDPOINT: proxy.endpoint };
        // The dumps' JSON read first by `list` (the metadata cache is per endpoint): what is counted after
        // is triage's own reading.
        assert.equal((await coredump(["list"], through)).exitCode, 0);
        proxy.reset();
        const result = await coredump(["triage", "--workdir", workdir], through);
        assert.equal(result.exitCode, 1, result.stderr);
        assert.match(
          result.stderr,
          new RegExp(
            `^coredump: cannot write triage records to s3://${dumpBucket}/ .*--results s3://BUCKET/PREFIX`,
          ),
        );
        assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
        assert.deepEqual(
          proxy.objectReads().filter((request) => request.path.endsWith(".zip")),
          [],
        );
      } finally {
        await proxy.stop();
      }
    });

    it("write to --results elsewhere, where list and info find them", async () => {
      const results = await freshBucket(s3, "triage-results");
      await grantReadWrite(s3, results, s3.team.user);
      const place = `s3://${results}/records/`;
      const run = await coredump(["triage", "--workdir", workdir, "--results", place, "--json"], readOnly);
      assert.equal(run.exitCode, 0, run.stderr);
      assert.deepEqual(
        triageLines(run)
          .map((line) => line.id)
          .sort(),
        [...placeholderIds].sort(),
      );
      assert.deepEqual(
        (await listKeys(s3, dumpBucket)).filter((key) => RECORD.test(key)),
        [],
      );
      const written = (await listKeys(s3, results)).filter((key) => RECORD.test(key));
      assert.equal(written.length, placeholderIds.length);
      assert.ok(
        written.every((key) => key.startsWith("records/.coredump-triage/")),
        written.join(" "),
      );
      const list = json<Array<{ id: string; triage: { status: string } | null }>>(
        await coredump(["list", "--json", "--results", place], readOnly),
      );
      assert.deepEqual(
        list.map((row) => row.triage?.status),
        placeholderIds.map(() => "untriageable"),
      );
      const id = placeholderIds[0] ?? "";
      const info = json<{ triage: { id: string } | null }>(
        await coredump(["info", id, "--json", "--results", place], readOnly),
      );
      assert.equal(info.triage?.id, id);
    });
  });

  it("--watch lists again every interval and triages what is new, until stopped", async () => {
    const watched = await freshBucket(s3, "triage-watch");
    const first = defaultSpec({ image });
    await putObjects(s3, watched, zipDump(first));
    const run = coredumpProcess(["triage", "--watch", "1s", "--json", "--workdir", workdir], {
      ...env,
      S3_BUCKET_NAME: watched,
      XDG_CACHE_HOME: freshCacheHome(),
    });
    let stdout = "";
    let ended = false;
    run.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    run.once("exit", () => {
      ended = true;
    });
    const seen = async (id: string) => {
      while (!stdout.includes(`"id":"${id}"`)) {
        assert.ok(!ended, `triage --watch ended: ${stdout}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    // A ceiling against a hang, never a measure of speed; cleared, or the test file would wait it out.
    const ceiling = async <T>(promise: Promise<T>) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        return await Promise.race([
          promise,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no line in time: ${stdout}`)), HANG_CEILING_MS);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    };
    try {
      await ceiling(seen(first.uuid));
      const second = defaultSpec({ image });
      await putObjects(s3, watched, zipDump(second));
      await ceiling(seen(second.uuid));
      assert.equal(stdout.split("\n").filter((line) => line !== "").length, 2, stdout);
    } finally {
      run.kill("SIGTERM");
    }
    const result = await run;
    assert.equal(result.exitCode, 130, result.stderr);
  });
});
