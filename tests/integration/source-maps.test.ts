/**
 * report on a TypeScript service as users ship it (tsc with external maps, esbuild minified with an external
 * map, esbuild with an inline map), crashed for real on Node 22, 24 and 26 by an uncaught exception and by an
 * unhandled rejection (tests/support/mapped-service.ts). The build is in the dump's image on the rig's
 * registry, at the paths the process ran it from (gone from this machine since). Every expected frame is
 * what the same program printed under `node --enable-source-maps`.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { isApplicationType } from "../../src/report/heap-source.js";
import { pushFilesImage } from "../support/app-image.js";
import { coredump, freshCacheHome, json } from "../support/cli.js";
import { crashSpec } from "../support/crash-dumps.js";
import { writeToDirectory, zipDump } from "../support/handler-layout.js";
import { projectLlnode } from "../support/llnode-plugin.js";
import {
  type PrintedFrame,
  printedFrames,
  type ServiceBuild,
  type ServiceCrash,
  type ServiceDeath,
  serviceCrash,
} from "../support/mapped-service.js";

interface MappedReport {
  kind: string;
  jsStack: Array<PrintedFrame & { original?: PrintedFrame; inApp?: boolean }>;
  code?: {
    file: string;
    line: number;
    column: number;
    from: string;
    lines: Array<{ line: number; text: string }>;
  };
  sourceMaps?: { maps: Array<{ script: string; map: string }>; notes: string[] };
  heap?: {
    top: Array<{ name: string; count: number; bytes: number }>;
    renamed?: Array<{ generated: string; original: string; file: string }>;
  };
}

const VERSIONS = ["22.22.0", "24.11.0", "26.12.1"];
const BUILDS: ServiceBuild[] = ["tsc", "esbuild", "esbuild-inline"];
const DEATHS: ServiceDeath[] = ["throw", "reject"];

describe("report shows a TypeScript service's frames in its own source, through its source maps", () => {
  const cases: Array<{ crash: ServiceCrash; id: string }> = [];
  /** The same service leaking sessions until it is out of memory (no stack to map: its heap is). */
  const ooms: Array<{ crash: ServiceCrash; id: string }> = [];
  let dir: string;
  let workdir: string;
  let env: Record<string, string>;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "coredump-srcmaps-"));
    workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    env = { XDG_CACHE_HOME: freshCacheHome() };
    for (const version of VERSIONS)
      for (const build of BUILDS)
        for (const death of DEATHS) {
          const crash = await serviceCrash(build, death, version);
          const image = await pushFilesImage(crash.files, `srcmaps-${build}`);
          const spec = crashSpec(crash, image);
          await writeToDirectory(zipDump(spec), dir);
          cases.push({ crash, id: spec.uuid });
        }
    for (const version of VERSIONS)
      for (const build of BUILDS) {
        const crash = await serviceCrash(build, "oom", version);
        const spec = crashSpec(crash, await pushFilesImage(crash.files, `srcmaps-${build}`));
        await writeToDirectory(zipDump(spec), dir);
        ooms.push({ crash, id: spec.uuid });
      }
  });

  /** `report --json`, from the core's text and the log unless `flags` name the executable. */
  async function report(
    id: string,
    flags: string[] = [],
    more: Record<string, string> = {},
  ): Promise<MappedReport> {
    const executable = flags.includes("--binary") ? [] : ["--no-executable"];
    const result = await coredump(
      ["report", id, "--dir", dir, "--workdir", workdir, ...executable, "--json", ...flags],
      { ...env, ...more },
    );
    assert.equal(result.exitCode, 0, result.stderr);
    return json<MappedReport>(result);
  }

  it("each frame's original position and name are the ones node --enable-source-maps prints", async () => {
    for (const { crash, id } of cases) {
      const label = `${crash.build} ${crash.death} ${crash.nodeVersion}`;
      const r = await report(id);
      const expected = printedFrames(crash.mappedStderr);
      const generated = printedFrames(crash.stderr);
      assert.ok(expected.length >= 3, `${label}: ${crash.mappedStderr}`);
      // The report's frames are the ones the process printed, in the compiled code.
      const mapped = r.jsStack.filter((frame) => frame.original);
      assert.ok(mapped.length >= 3, `${label}: ${JSON.stringify(r.jsStack)} ${JSON.stringify(r.sourceMaps)}`);
      for (const [index, frame] of r.jsStack.entries()) {
        const want = expected[index];
        if (!want || frame.file?.startsWith("node:")) continue;
        assert.deepEqual(
          { file: frame.original?.file, line: frame.original?.line, column: frame.original?.column },
          { file: want.file, line: want.line, column: want.column },
          `${label} frame ${index}: ${JSON.stringify(frame)} ${JSON.stringify(generated[index])}`,
        );
        // Node names a frame by the map's name at its function's start, which a stack read from the core
        // knows only where its reader gives the function's start (issue 20's walker); without it, the name at
        // the caller's call site, as Node falls back to, else V8's own name: never an invented one.
        const name = frame.original?.function;
        assert.ok(
          name === want.function || (index > 0 && name === frame.function),
          `${label} frame ${index}: ${name}, node printed ${want.function}`,
        );
      }
    }
  });

  it("the first in-app frame's line of code, the caret where node --enable-source-maps puts it", async () => {
    for (const { crash, id } of cases) {
      const label = `${crash.build} ${crash.death} ${crash.nodeVersion}`;
      const r = await report(id);
      const printed = /^(.+):(\d+)\n(.*)\n( *)\^/m.exec(crash.mappedStderr);
      assert.ok(printed, crash.mappedStderr);
      assert.ok(r.code, `${label}: ${JSON.stringify(r.sourceMaps)}`);
      assert.deepEqual(
        [r.code.file, r.code.line, r.code.column - 1],
        [printed[1], Number(printed[2]), printed[4]?.length],
      );
      assert.equal(r.code.lines.find((line) => line.line === r.code?.line)?.text, printed[3], label);
      // tsc's maps hold no sourcesContent: the .ts file comes from the image.
      if (crash.build === "tsc") assert.match(r.code.from, /\/src\/users\.ts$/, label);
      else assert.equal(r.code.from, "the map's sourcesContent", label);
    }
  });

  it("the human report shows the original position first, then the generated one", async () => {
    const found = cases.find(({ crash }) => crash.build === "esbuild" && crash.death === "throw");
    assert.ok(found);
    const result = await coredump(
      ["report", found.id, "--dir", dir, "--workdir", workdir, "--no-executable"],
      env,
    );
    assert.equal(result.exitCode, 0, result.stderr);
    const [top] = printedFrames(found.crash.mappedStderr);
    const [generated] = printedFrames(found.crash.stderr);
    assert.ok(top && generated);
    const row = result.stdout
      .split("\n")
      .find(
        (line) => line.includes(`${top.file}:${top.line}:${top.column} `) && line.includes(generated.file),
      );
    assert.ok(row, result.stdout);
    assert.ok(
      row.indexOf(`${top.file}:${top.line}:${top.column}`) <
        row.indexOf(`${generated.function} ${generated.file}:${generated.line}:${generated.column}`),
      row,
    );
    assert.match(row, new RegExp(`^\\s+${top.function}\\s`));
  });

  it("with the executable, where llnode's stack differs from V8's printed one, the code line is V8's call site", async () => {
    const plugin = await projectLlnode();
    for (const { crash, id } of cases.filter(
      ({ crash }) => crash.build === "esbuild" && crash.death === "throw",
    )) {
      const r = await report(id, ["--binary", crash.node], { LLNODE_PLUGIN: plugin });
      // The walker knows where each frame's function starts: a mapped frame it names as V8 did (not an arrow
      // function V8 names after the property that holds it) is named as Node names it.
      const expected = printedFrames(crash.mappedStderr);
      const generated = printedFrames(crash.stderr);
      for (const [index, frame] of r.jsStack.entries())
        if (frame.original && expected[index] && frame.function === generated[index]?.function)
          assert.equal(
            frame.original.function,
            expected[index]?.function,
            `${crash.nodeVersion} frame ${index}: ${JSON.stringify(frame)}`,
          );
      const printed = /^(.+):(\d+)\n(.*)\n( *)\^/m.exec(crash.mappedStderr);
      assert.ok(printed && r.code, `${crash.nodeVersion}: ${JSON.stringify(r.code)}`);
      assert.deepEqual(
        [r.code.file, r.code.line, r.code.column - 1],
        [printed[1], Number(printed[2]), printed[4]?.length],
      );
    }
  });

  it("groups: one service built by tsc and by esbuild, once reported, is one group by its mapped frames", async () => {
    const version = `v${VERSIONS[0]}`;
    const builds = cases.filter(({ crash }) => crash.death === "throw" && crash.nodeVersion === version);
    assert.equal(builds.length, BUILDS.length);
    for (const { id } of builds) await report(id);
    const result = await coredump(["groups", "--dir", dir, "--json"], env);
    assert.equal(result.exitCode, 0, result.stderr);
    const groups = json<Array<{ signature: string; title: string; ids: string[] }>>(result);
    const signatures = new Set(
      builds.map(({ id }) => groups.find((group) => group.ids.includes(id))?.signature),
    );
    assert.equal(signatures.size, 1, JSON.stringify(groups.map(({ title, ids }) => ({ title, ids }))));
    const [top] = printedFrames(builds[0]?.crash.mappedStderr ?? "");
    assert.match(
      groups.find((group) => group.ids.includes(builds[0]?.id ?? ""))?.title ?? "",
      new RegExp(` at ${top?.function} `),
    );
  });

  it("groups: the same builds never reported are one group too, their logged frames mapped through each image's maps", async () => {
    const version = `v${VERSIONS[1]}`;
    const builds = cases.filter(({ crash }) => crash.death === "throw" && crash.nodeVersion === version);
    assert.equal(builds.length, BUILDS.length);
    const own = await mkdtemp(path.join(tmpdir(), "coredump-srcmaps-groups-"));
    for (const { crash } of builds)
      await writeToDirectory(
        zipDump(crashSpec(crash, await pushFilesImage(crash.files, `srcmaps-${crash.build}`))),
        own,
      );
    const fresh = { XDG_CACHE_HOME: freshCacheHome() };
    const grouped = async (flags: string[]) => {
      const result = await coredump(["groups", "--dir", own, "--json", ...flags], fresh);
      assert.equal(result.exitCode, 0, result.stderr);
      return json<Array<{ title: string; ids: string[] }>>(result);
    };
    // As the logs printed them, each build names its frames otherwise (dist/users.js, t in bundle/server.mjs).
    assert.ok((await grouped(["--no-source-maps"])).length > 1);
    const mapped = await grouped([]);
    assert.equal(mapped.length, 1, JSON.stringify(mapped.map(({ title }) => title)));
    const [top] = printedFrames(builds[0]?.crash.mappedStderr ?? "");
    assert.match(mapped[0]?.title ?? "", new RegExp(` at ${top?.function} \\((src/)?users\\.ts\\)`));
  });

  it("heap names a minified class as its source declares it, with the tsc build's count", async () => {
    const heapJson = async (crash: ServiceCrash, id: string) => {
      const result = await coredump(
        ["heap", id, "--dir", dir, "--workdir", workdir, "--binary", crash.node, "--json"],
        env,
      );
      assert.equal(result.exitCode, 0, result.stderr);
      return json<{
        types: Array<{ name: string; count: number }>;
        renamed?: Array<{ generated: string; original: string; file: string }>;
      }>(result);
    };
    for (const version of VERSIONS) {
      const throws = cases.filter(
        ({ crash }) => crash.death === "throw" && crash.nodeVersion === `v${version}`,
      );
      const tsc = throws.find(({ crash }) => crash.build === "tsc");
      assert.ok(tsc);
      const unminified = await heapJson(tsc.crash, tsc.id);
      for (const { crash, id } of throws.filter(({ crash }) => crash.build !== "tsc")) {
        const label = `${crash.build} ${version}`;
        const mapped = await heapJson(crash, id);
        assert.ok(mapped.renamed?.length, `${label}: nothing renamed`);
        for (const { generated, original, file } of mapped.renamed) {
          assert.notEqual(generated, original, label);
          assert.match(file, new RegExp(`${crash.build === "esbuild" ? "bundle" : "inline"}/server\\.mjs$`));
          const count = (heap: typeof mapped) => heap.types.find((type) => type.name === original)?.count;
          assert.ok(count(mapped), `${label}: ${original} is not among the types`);
          assert.equal(count(mapped), count(unminified), `${label}: ${original} (${generated})`);
          assert.equal(
            mapped.types.find((type) => type.name === generated),
            undefined,
            label,
          );
        }
      }
    }
  });

  it("heapsnapshot keeps V8's names, and --original-names gives the source's", async () => {
    const found = cases.find(({ crash }) => crash.build === "esbuild" && crash.death === "throw");
    assert.ok(found);
    const names = async (flags: string[]) => {
      const output = path.join(workdir, `names${flags.length}.heapsnapshot`);
      const result = await coredump(
        [
          "heapsnapshot",
          found.id,
          "--dir",
          dir,
          "--workdir",
          workdir,
          "--binary",
          found.crash.node,
          "-o",
          output,
          ...flags,
        ],
        env,
      );
      assert.equal(result.exitCode, 0, result.stderr);
      const snapshot = JSON.parse(await readFile(output, "utf8")) as {
        snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
        nodes: number[];
        strings: string[];
      };
      // The names of its object nodes (a string node's name is its text: the bundle's export names the class).
      const { node_fields: fields, node_types: types } = snapshot.snapshot.meta;
      const objects = new Set<string>();
      for (let at = 0; at < snapshot.nodes.length; at += fields.length) {
        const type = types[0][snapshot.nodes[at + fields.indexOf("type")] ?? -1];
        const name = snapshot.strings[snapshot.nodes[at + fields.indexOf("name")] ?? -1];
        if (type === "object" && name !== undefined) objects.add(name);
      }
      return { strings: objects, stderr: result.stderr };
    };
    const original = await names(["--original-names"]);
    const renamed = /named as the source declares them \(source maps\): (\S+) \((\S+) in /.exec(
      original.stderr,
    );
    assert.ok(renamed?.[1] && renamed[2], original.stderr);
    assert.ok(original.strings.has(renamed[1]));
    const v8Names = await names([]);
    assert.ok(!v8Names.strings.has(renamed[1]), `${renamed[1]} without --original-names`);
    assert.ok(v8Names.strings.has(renamed[2]));
  });

  it("out of memory: the report's heap names the leaking class as the source does, as the tsc build's heap", async () => {
    for (const version of VERSIONS) {
      const builds = ooms.filter(({ crash }) => crash.nodeVersion === `v${version}`);
      const leaking = new Map<ServiceBuild, string | undefined>();
      for (const { crash, id } of builds) {
        const r = await report(id, ["--binary", crash.node]);
        assert.ok(r.heap, `${crash.build} ${version}: ${r.kind}`);
        const [largest] = r.heap.top.filter((type) => isApplicationType(type.name));
        leaking.set(crash.build, largest?.name);
        if (crash.build !== "tsc")
          assert.ok(
            r.heap.renamed?.some(({ original }) => original === largest?.name),
            `${crash.build} ${version}: ${JSON.stringify(r.heap.renamed)}`,
          );
      }
      const unminified = leaking.get("tsc");
      assert.ok(unminified, `${version}: the tsc build's heap names no class`);
      for (const build of BUILDS) assert.equal(leaking.get(build), unminified, `${build} ${version}`);
    }
  });
});
