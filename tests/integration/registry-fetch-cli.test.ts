import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { readCoreSummary } from "../../src/elf/index.js";
import { coredump, coredumpBinary, freshCacheHome, json } from "../support/cli.js";
import { defaultSpec, zipDump } from "../support/handler-layout.js";
import { officialNode } from "../support/node-builds.js";
import { buildLayer, fileFromDisk, parents } from "../support/oci-layer.js";
import { OciPusher } from "../support/oci-push.js";
import { realCore } from "../support/real-core.js";
import { fakeBinary, fileAt, freshRepository } from "../support/registry-images.js";
import { rigRegistry } from "../support/registry-rig.js";
import { freshBucket, putObjects, rigS3, s3Env } from "../support/s3-rig.js";
import { TmuxSession } from "../support/tmux.js";

interface FetchJson {
  id: string;
  core: string;
  executable: string | null;
  reason?: string;
  buildId?: string;
  executableSource?: string;
}

describe("coredump fetch brings the executable that produced the core (end to end)", () => {
  let env: Record<string, string>;
  let uuid: string;
  let coreBuildId: string | undefined;

  before(async () => {
    const registry = rigRegistry();
    const node18 = await officialNode("18.20.4");
    const core = await realCore({ node: node18 });
    coreBuildId = (await readCoreSummary(core.core)).executable?.buildId;
    const repository = freshRepository("fetch-cli");
    const image = await new OciPusher(registry.open).pushImage(repository, "v1", {
      layers: [
        await buildLayer(fileAt("etc/debian_version", fakeBinary("base"))),
        await buildLayer([
          ...parents("usr/local/bin/node"),
          await fileFromDisk("usr/local/bin/node", node18),
        ]),
      ],
    });
    const spec = defaultSpec({
      core: core.core,
      pid: core.pid,
      signal: core.signal,
      image: {
        repo: `${registry.open}/${repository}`,
        tag: "v1",
        digest: image.manifest.digest,
        id: image.config.digest,
      },
    });
    uuid = spec.uuid;
    const s3 = rigS3();
    const bucket = await freshBucket(s3, "fetch-binary");
    await putObjects(s3, bucket, zipDump(spec));
    env = { ...s3Env(s3, bucket), XDG_CACHE_HOME: freshCacheHome() };
  });

  it("pulls the Node 18 binary from the image named in image-info, then serves it from the cache", async () => {
    const workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    const first = await coredump(["fetch", uuid, "--json", "--workdir", workdir], env);
    assert.equal(first.exitCode, 0, first.stderr);
    const fetched = json<FetchJson>(first);
    assert.ok(coreBuildId);
    assert.equal(fetched.buildId, coreBuildId);
    assert.equal(fetched.executableSource, "image");
    assert.equal(
      fetched.executable,
      path.join(env.XDG_CACHE_HOME ?? "", "coredump", "binaries", coreBuildId, "node"),
    );

    const again = json<FetchJson>(await coredump(["fetch", uuid, "--json", "--workdir", workdir], env));
    assert.equal(again.executableSource, "cache");
    assert.equal(again.executable, fetched.executable);
  });

  it("on a terminal, the executable's download from the image shows its progress", async () => {
    const folder = await mkdtemp(path.join(tmpdir(), "coredump-terminal-"));
    const [go, bytes] = [path.join(folder, "go"), path.join(folder, "bytes")];
    const script = [
      `while [ ! -e ${go} ]; do sleep 0.1; done`,
      `${process.execPath} ${coredumpBinary()} fetch ${uuid} --workdir ${path.join(folder, "work")}`,
    ].join("; ");
    // A cache of its own: the executable is pulled from the image, not served from the cache.
    const session = await TmuxSession.start(["bash", "-c", script], {
      ...env,
      XDG_CACHE_HOME: freshCacheHome(),
      NO_COLOR: "1",
      TERM: "xterm-256color",
    });
    try {
      await session.record(bytes);
      await writeFile(go, "");
      await session.waitFor(/^exit status 0$/m);
      assert.match(await readFile(bytes, "utf8"), /executable: layer \d of 2 \d+% /);
    } finally {
      await session.kill();
    }
  });
});
