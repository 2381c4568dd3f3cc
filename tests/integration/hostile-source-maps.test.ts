/**
 * Source maps are the dump's data: a map or script may name the network, climb out of its tree, be huge or
 * be broken. None of it may reach the network or the host's files, or fail the report. Also: a build
 * folder stands for an image that is gone, and a second report of an image pinned by digest sends no
 * request to its registry. The crashes are the real ones of tests/support/mapped-service.ts.
 */
import assert from "node:assert/strict";
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { pushFilesImage } from "../support/app-image.js";
import { coredump, freshCacheHome, json } from "../support/cli.js";
import { CountingProxy } from "../support/counting-proxy.js";
import { crashSpec } from "../support/crash-dumps.js";
import { writeToDirectory, zipDump } from "../support/handler-layout.js";
import { printedFrames, type ServiceCrash, serviceCrash } from "../support/mapped-service.js";
import { coredumpPeakRss } from "../support/peak-rss.js";
import { rigRegistry } from "../support/registry-rig.js";

interface MappedReport {
  jsStack: Array<{
    function: string;
    file?: string;
    original?: { file: string; line: number; column: number };
  }>;
  code?: { file: string; from: string; lines: Array<{ line: number; text: string }> };
  sourceMaps?: { maps: Array<{ script: string; map: string }>; notes: string[] };
}

const VERSION = "22.22.0";

/** An image reference on the rig's registry that was never pushed (the registry answers 404). */
const goneImage = {
  repo: `${rigRegistry().open}/coredump-test/gone-${process.pid}`,
  tag: "v1",
  digest: `sha256:${"0".repeat(64)}`,
  id: `sha256:${"1".repeat(64)}`,
};

describe("source maps from a dump are read as untrusted data, and never from the network or the host", () => {
  let bundled: ServiceCrash;
  let compiled: ServiceCrash;
  const ids = new Map<string, string>();
  let dir: string;
  let workdir: string;

  before(async () => {
    bundled = await serviceCrash("esbuild", "throw", VERSION);
    compiled = await serviceCrash("tsc", "throw", VERSION);
    dir = await mkdtemp(path.join(tmpdir(), "coredump-srcmaps-"));
    workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    for (const [name, crash] of [
      ["bundled", bundled],
      ["compiled", compiled],
    ] as const) {
      // An image that is gone from its registry: the build folder is all there is.
      const spec = crashSpec(crash, goneImage);
      await writeToDirectory(zipDump(spec), dir);
      ids.set(name, spec.uuid);
    }
  });

  /** `report --json` of one of the dumps, with `--source-maps folder` when given. */
  async function report(name: string, folder?: string, env: Record<string, string> = {}) {
    const id = ids.get(name) ?? name;
    const result = await coredump(
      [
        ...["report", id, "--dir", dir, "--workdir", workdir, "--no-executable", "--json"],
        ...(folder ? ["--source-maps", folder] : []),
      ],
      env,
    );
    assert.equal(result.exitCode, 0, result.stderr);
    return json<MappedReport>(result);
  }

  /** A copy of the crash's build (src and its output folder), laid out as in the container under its folder. */
  async function buildFolder(crash: ServiceCrash): Promise<string> {
    const folder = await mkdtemp(path.join(tmpdir(), "coredump-build-"));
    for (const [here, asRun] of crash.files)
      await cp(here, path.join(folder, path.relative(crash.cwdAsRun, asRun)));
    return folder;
  }

  function mappedAs(crash: ServiceCrash, r: MappedReport): void {
    const [expected] = printedFrames(crash.mappedStderr);
    const top = r.jsStack[0]?.original;
    assert.deepEqual(
      [top?.file, top?.line, top?.column],
      [expected?.file, expected?.line, expected?.column],
      JSON.stringify(r),
    );
  }

  it("--source-maps DIR (or COREDUMP_SOURCE_MAPS) maps a dump whose image is gone, its code from the folder", async () => {
    const folder = await buildFolder(compiled);
    for (const r of [
      await report("compiled", folder),
      await report("compiled", undefined, { COREDUMP_SOURCE_MAPS: folder }),
    ]) {
      mappedAs(compiled, r);
      assert.ok(r.code?.from.startsWith(path.join(folder, "src")), JSON.stringify(r.code));
    }
    const missing = await coredump([
      "report",
      ids.get("compiled") ?? "",
      "--dir",
      dir,
      "--source-maps",
      path.join(folder, "nope"),
    ]);
    assert.equal(missing.exitCode, 2);
    assert.match(missing.stderr, /--source-maps .*nope: no such folder/);
  });

  it("a sourceMappingURL or sourceRoot on the network is never fetched: a listening socket sees no connection", async () => {
    let connections = 0;
    const server = http.createServer((_request, response) => response.end("{}"));
    server.on("connection", () => {
      connections++;
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const byUrl = await buildFolder(bundled);
      const script = path.join(byUrl, "bundle", "server.mjs");
      const text = await readFile(script, "utf8");
      await writeFile(
        script,
        text.replace(/sourceMappingURL=.*$/m, `sourceMappingURL=${url}/server.mjs.map`),
      );
      const r = await report("bundled", byUrl);
      assert.ok(!r.jsStack.some((frame) => frame.original), JSON.stringify(r.jsStack));
      assert.ok(
        r.sourceMaps?.notes.some((note) => note.includes(`${url}/server.mjs.map: not fetched`)),
        JSON.stringify(r.sourceMaps),
      );

      const byRoot = await buildFolder(bundled);
      const mapFile = path.join(byRoot, "bundle", "server.mjs.map");
      const map = JSON.parse(await readFile(mapFile, "utf8"));
      await writeFile(mapFile, JSON.stringify({ ...map, sourceRoot: `${url}/`, sourcesContent: undefined }));
      const rooted = await report("bundled", byRoot);
      assert.ok(rooted.jsStack[0]?.original?.file.startsWith(url), JSON.stringify(rooted.jsStack[0]));
      assert.equal(rooted.code, undefined);
      assert.equal(connections, 0);
    } finally {
      server.close();
    }
  });

  it("sources that climb to /etc, or through a link out of the folder, read nothing of the host", async () => {
    const passwd = (await readFile("/etc/passwd", "utf8")).split("\n")[0] ?? "";
    assert.ok(passwd.length > 0);
    const folder = await buildFolder(bundled);
    const mapFile = path.join(folder, "bundle", "server.mjs.map");
    const map = JSON.parse(await readFile(mapFile, "utf8"));
    const climbing = {
      ...map,
      sources: map.sources.map(() => `${"../".repeat(30)}etc/passwd`),
      sourcesContent: undefined,
    };
    await writeFile(mapFile, JSON.stringify(climbing));
    const climbed = await report("bundled", folder);
    assert.equal(climbed.jsStack[0]?.original?.file, "/etc/passwd");
    assert.equal(climbed.code, undefined);
    assert.ok(!JSON.stringify(climbed).includes(passwd));

    await rm(path.join(folder, "src"), { recursive: true });
    await symlink("/etc", path.join(folder, "src"));
    const linked = { ...map, sources: map.sources.map(() => "../src/passwd"), sourcesContent: undefined };
    await writeFile(mapFile, JSON.stringify(linked));
    const through = await report("bundled", folder);
    assert.match(through.jsStack[0]?.original?.file ?? "", /\/src\/passwd$/);
    assert.equal(through.code, undefined);
    assert.ok(!JSON.stringify(through).includes(passwd));
  });

  it("a 100 MB map is skipped with a note, without being read", async () => {
    const folder = await buildFolder(bundled);
    const mapFile = path.join(folder, "bundle", "server.mjs.map");
    await writeFile(mapFile, `{"version":3,"sources":[],"mappings":"${"A".repeat(100 * 1024 * 1024)}"}`);
    const report = [
      "report",
      ids.get("bundled") ?? "",
      "--dir",
      dir,
      "--workdir",
      workdir,
      "--no-executable",
      "--json",
    ];
    // The same report with no maps at all: what the process takes anyway, on this machine.
    const baseline = await coredumpPeakRss(report);
    const result = await coredumpPeakRss([...report, "--source-maps", folder]);
    assert.equal(result.exitCode, 0, result.stderr);
    const r = json<MappedReport>(result);
    assert.ok(!r.jsStack.some((frame) => frame.original));
    assert.ok(
      r.sourceMaps?.notes.some((note) => /skipped: 100\.0 MiB, over the 64\.0 MiB limit/.test(note)),
      JSON.stringify(r.sourceMaps),
    );
    // Read whole, the map alone would be 100 MB of memory more than the report without maps.
    assert.ok(
      result.peakRss < baseline.peakRss + 64 * 1024 * 1024,
      `peak RSS ${result.peakRss}, without maps ${baseline.peakRss}`,
    );
  });

  it("a broken map leaves the frames unmapped with a note, never a failed report", async () => {
    const broken = [
      ['{"version":3,"sources":["a.ts"],"mappings":"AAAA', /malformed \(not JSON/],
      ['{"version":2,"sources":[],"mappings":""}', /malformed \(version 2, not 3\)/],
      [
        '{"version":3,"sections":[{"offset":{"line":0,"column":0},"url":"http://x/y.map"}]}',
        /section's url is not read/,
      ],
      ['{"version":3,"sources":["a.ts"],"names":[],"mappings":"!!!!,ÿÿ;;;gggggggggggggg"}', undefined],
    ] as const;
    for (const [text, note] of broken) {
      const folder = await buildFolder(bundled);
      await writeFile(path.join(folder, "bundle", "server.mjs.map"), text);
      const r = await report("bundled", folder);
      if (note) {
        assert.ok(!r.jsStack.some((frame) => frame.original), text);
        assert.ok(
          r.sourceMaps?.notes.some((line) => note.test(line)),
          `${text}: ${JSON.stringify(r.sourceMaps)}`,
        );
      }
    }
  });

  it("with the image gone and no folder, a script's inline map is read from its source in the core", async () => {
    const crash = await serviceCrash("tsc-inline", "throw", VERSION);
    const spec = crashSpec(crash, goneImage);
    await writeToDirectory(zipDump(spec), dir);
    const r = await report(spec.uuid);
    mappedAs(crash, r);
    assert.ok(
      r.sourceMaps?.maps.some((use) => use.map === "inline, from the script's source in the core"),
      JSON.stringify(r.sourceMaps),
    );
  });

  describe("maps from an image pinned by digest", () => {
    let proxy: CountingProxy;
    after(async () => proxy?.stop());

    it("are pulled once: a second report sends no request to the registry", async () => {
      proxy = await CountingProxy.start(`http://${rigRegistry().open}`);
      const image = await pushFilesImage(bundled.files, "srcmaps-cache");
      const proxied = {
        ...image,
        repo: image.repo.replace(rigRegistry().open, new URL(proxy.endpoint).host),
      };
      const spec = crashSpec(bundled, proxied);
      await writeToDirectory(zipDump(spec), dir);
      const env = { XDG_CACHE_HOME: freshCacheHome() };
      const first = await report(spec.uuid, undefined, env);
      mappedAs(bundled, first);
      assert.ok(proxy.requests.length > 0);
      proxy.reset();
      const second = await report(spec.uuid, undefined, env);
      assert.deepEqual(second.jsStack, first.jsStack);
      assert.deepEqual(proxy.requests, []);
    });
  });
});
