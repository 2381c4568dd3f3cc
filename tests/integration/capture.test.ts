import assert from "node:assert/strict";
import { mkdtemp, readdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { execa, type ResultPromise } from "execa";
import { coredump, freshCacheHome, json } from "../support/cli.js";
import { publishedLlnode } from "../support/llnode-plugin.js";
import { freshBucket, rigS3, s3Env } from "../support/s3-rig.js";

describe("capture: a core of a live Node server", () => {
  let server: ResultPromise;
  before(async () => {
    server = execa(
      process.execPath,
      ["-e", "require('http').createServer(() => {}).listen(0, () => console.log('up'))"],
      { reject: false },
    );
    await new Promise<void>((resolve) => server.stdout?.once("data", () => resolve()));
  });
  after(async () => {
    server.kill();
    await server;
  });

  it("writes a handler-style zip that list shows and debug reads; the process keeps running", async () => {
    const folder = await mkdtemp(path.join(tmpdir(), "coredump-capture-"));
    const captured = await coredump(["capture", String(server.pid), "--dir", folder]);
    assert.equal(captured.exitCode, 0, captured.stderr);
    const [zip, ...rest] = await readdir(folder);
    assert.deepEqual(rest, [], "only the zip is left: the raw core is removed");
    assert.match(zip ?? "", new RegExp(`-dump-\\d+-.+-node-${server.pid}-0\\.zip$`));
    assert.equal((await stat(path.join(folder, zip ?? ""))).mode & 0o777, 0o600);
    assert.equal(server.exitCode, null, "the server is still running");

    const env = { XDG_CACHE_HOME: freshCacheHome(), LLNODE_PLUGIN: await publishedLlnode() };
    const listed = json<Array<{ id: string; pid: number; exe: string; complete: boolean }>>(
      await coredump(["list", "--dir", folder, "--json"], env),
    );
    assert.equal(listed.length, 1);
    assert.deepEqual([listed[0]?.pid, listed[0]?.exe, listed[0]?.complete], [server.pid, "node", true]);

    const workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    const debug = await coredump(
      [
        "debug",
        listed[0]?.id ?? "",
        "--dir",
        folder,
        "--workdir",
        workdir,
        "--binary",
        process.execPath,
        "--batch",
        "-o",
        "v8 nodeinfo",
      ],
      env,
    );
    assert.equal(debug.exitCode, 0, debug.stderr);
    assert.match(debug.stdout, new RegExp(`node = ${process.versions.node}`));
  });

  it("--upload puts it into the bucket", async () => {
    const rig = rigS3();
    const bucket = await freshBucket(rig, "capture");
    const env = s3Env(rig, bucket);
    const captured = await coredump(["capture", String(server.pid), "--upload", "--prefix", "live/"], env);
    assert.equal(captured.exitCode, 0, captured.stderr);
    assert.match(captured.stdout, new RegExp(`s3://${bucket}/live/.*-node-${server.pid}-0\\.zip`));
    const listed = json<Array<{ keys: string[] }>>(await coredump(["list", "--json"], env));
    assert.equal(listed.length, 1);
    assert.match(listed[0]?.keys[0] ?? "", /^live\//);
  });

  it("says clearly when there is no such process", async () => {
    const result = await coredump(["capture", "999999999", "--dir", tmpdir()]);
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /no process 999999999 is running/);
    assert.equal((await coredump(["capture", "abc"])).exitCode, 2);
  });
});
