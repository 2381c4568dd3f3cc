/**
 * The project's llnode (4.0.0 with llnode/patches) on real cores of the tutorial's crash under the official
 * builds of Node 16, 18, 20, 22, 24 and 26, and, on 16 to 20, against llnode 4.0.0 as published.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { type LldbRun, llnodeBatch } from "../support/lldb-batch.js";
import { projectLlnode, publishedLlnode } from "../support/llnode-plugin.js";
import { officialNode } from "../support/node-builds.js";
import { type RealCore, realCore } from "../support/real-core.js";

const VERSIONS = ["16.20.2", "18.20.4", "20.20.2", "22.22.0", "24.11.0", "26.12.1"];
const READ_BY_PUBLISHED = ["16.20.2", "18.20.4", "20.20.2"];
const COMMANDS = [
  "v8 bt",
  "v8 nodeinfo",
  "v8 findjsobjects",
  "v8 findjsinstances -d TypeError",
  "v8 findjsinstances -d RequestLog",
];
const FINDREFS = "v8 findrefs -s GET";

interface Case {
  version: string;
  node: string;
  crash: RealCore;
  project: LldbRun;
}

function output(run: LldbRun, command: string): string {
  const printed = run.outputs.get(command);
  assert.ok(printed !== undefined, `no output for ${command}:\n${run.all}`);
  return printed;
}

/** `frame #6: 0x… myRequestListener(this=…) at /path/server.js:9:7 fn=0x…` → its parts. */
function jsFrames(bt: string): Array<{ index: number; name: string; at: string; args: string }> {
  return [
    ...bt.matchAll(/frame #(\d+): 0x[0-9a-f]+ ([\w$.]+)\((.*)\) at (\S+?)(?: \(function start[^)]*\))? fn=/g),
  ].map((match) => ({
    index: Number(match[1]),
    name: match[2] ?? "",
    args: match[3] ?? "",
    at: match[4] ?? "",
  }));
}

/** `      3        240 Server` rows of `v8 findjsobjects`, by name. */
function objectCounts(listing: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const match of listing.matchAll(/^\s+(\d+)\s+\d+ (.+)$/gm))
    counts.set(match[2] ?? "", Number(match[1]));
  return counts;
}

describe("the project's llnode on Node 16 to 26", () => {
  const cases: Case[] = [];

  before(async () => {
    const plugin = await projectLlnode();
    for (const version of VERSIONS) {
      const node = await officialNode(version);
      const crash = await realCore({ node });
      cases.push({
        version,
        node,
        crash,
        project: await llnodeBatch(plugin, node, crash.core, [...COMMANDS, FINDREFS]),
      });
    }
  });

  it("v8 bt: myRequestListener at the throwing call, server.js:9:7, and node: frames at real call sites", () => {
    for (const { version, crash, project } of cases) {
      const frames = jsFrames(output(project, "v8 bt"));
      assert.deepEqual(
        frames.slice(0, 2).map((frame) => frame.name),
        ["myRequestListener", "emit"],
        `${version}: ${output(project, "v8 bt")}`,
      );
      assert.equal(frames[0]?.at, `${crash.scriptAsRun}:9:7`, version);
      assert.match(frames[0]?.args ?? "", /<Object: ServerResponse>/, version);
      const emit = /^node:events:(\d+):(\d+)$/.exec(frames[1]?.at ?? "");
      assert.ok(emit && Number(emit[1]) > 100, `${version}: emit at ${frames[1]?.at}`);
      assert.ok(
        frames.some((frame) => /^node:_http_server:\d{3,}:\d+$/.test(frame.at)),
        version,
      );
    }
  });

  it("v8 nodeinfo names the Node version; findjsobjects and findjsinstances name user classes", () => {
    for (const { version, project } of cases) {
      assert.match(
        output(project, "v8 nodeinfo"),
        new RegExp(`Node Version = v${version.replaceAll(".", "\\.")}`),
      );
      const counts = objectCounts(output(project, "v8 findjsobjects"));
      for (const name of ["RequestLog", "Server", "IncomingMessage", "ServerResponse"]) {
        assert.ok((counts.get(name) ?? 0) >= 1, `${version}: no ${name} in findjsobjects`);
      }
      assert.match(
        output(project, "v8 findjsinstances -d TypeError"),
        /\.message=0x[0-9a-f]+:<String: "res\.not_a_functi\.\.\.">/,
        version,
      );
    }
  });

  it("prints an error's captured stack (CallSiteInfo) with call sites", () => {
    for (const { version, crash, project } of cases) {
      const stack = /error stack \{\n([\s\S]*?)\n {2}\}/.exec(
        output(project, "v8 findjsinstances -d TypeError"),
      );
      const frames = stack?.[1]?.split("\n").map((line) => line.trim()) ?? [];
      assert.equal(frames[0], `myRequestListener at ${crash.scriptAsRun}:9:7`, version);
      assert.match(frames[1] ?? "", /^emit at node:events:\d{3,}:\d+$/, version);
      assert.equal(frames.length, 4, `${version}: ${frames.join("; ")}`);
    }
  });

  it("reads a string that lives outside the V8 heap, and a slice of it, as property values", () => {
    for (const { version, project } of cases) {
      const instances = output(project, "v8 findjsinstances -d RequestLog");
      assert.match(instances, /\.external=0x[0-9a-f]+:<String: "coredump-externa\.\.\.">/, version);
      assert.match(instances, /\.slice=0x[0-9a-f]+:<String: "external-coredum\.\.\.">/, version);
    }
  });

  it("v8 findrefs -s finds the objects that hold a string, without crashing lldb", () => {
    for (const { version, project } of cases) {
      // Every command ran to its end: lldb was not killed (a crash exits 128 + its signal).
      assert.ok(project.exitCode < 128 && project.outputs.has(FINDREFS), `${version}: ${project.all}`);
      assert.match(output(project, FINDREFS), /IncomingMessage\.method=0x[0-9a-f]+ 'GET'/, version);
    }
  });

  it("v8 source list shows the throwing line in myRequestListener's frame", async () => {
    const plugin = await projectLlnode();
    for (const { version, node, crash, project } of cases) {
      const frame = jsFrames(output(project, "v8 bt"))[0]?.index;
      const run = await llnodeBatch(plugin, node, crash.core, [`frame select ${frame}`, "v8 source list"]);
      assert.match(output(run, "v8 source list"), /res\.not_a_function\(\);/, version);
    }
  });

  it("prints on Node 16, 18 and 20 at least what llnode 4.0.0 as published prints", async () => {
    const published = await publishedLlnode();
    for (const { version, node, crash, project } of cases.filter((c) =>
      READ_BY_PUBLISHED.includes(c.version),
    )) {
      const before = await llnodeBatch(published, node, crash.core, COMMANDS);
      assert.equal(output(before, "v8 nodeinfo"), output(project, "v8 nodeinfo"), version);
      // Functions among the arguments print their positions, which the patches correct: compare the rest.
      const frames = (run: LldbRun) =>
        jsFrames(output(run, "v8 bt")).map(({ index, name, args }) => ({
          index,
          name,
          args: args.replace(/ at [^>]*>/g, ">"),
        }));
      assert.deepEqual(frames(project), frames(before), version);
      const [was, now] = [before, project].map((run) => objectCounts(output(run, "v8 findjsobjects")));
      const total = (counts: Map<string, number> | undefined) =>
        [...(counts?.values() ?? [])].reduce((a, b) => a + b, 0);
      // The two plugins' scans of one heap may differ by a stray object (seen on fresh Node 18 cores: 13887
      // objects against 13888, one Object fewer); more than a thousandth is a regression.
      const stray = (count: number) => Math.ceil(count * 0.001);
      assert.ok(
        Math.abs(total(now) - total(was)) <= stray(total(was)),
        `${version}: findjsobjects counts ${total(now)} objects, 4.0.0 as published ${total(was)}`,
      );
      for (const [name, count] of was ?? []) {
        // Objects the published plugin could not name, "(Object)", now have their classes' names.
        const found = now?.get(name) ?? 0;
        if (name !== "(Object)")
          assert.ok(found >= count - stray(count), `${version}: ${found} ${name}, not ${count}`);
      }
      // The same error object, which the project's plugin follows with the error's captured stack. On 16
      // the published plugin finds none: it does not know the TypeError constructor for a function.
      const errorBefore = output(before, "v8 findjsinstances -d TypeError");
      if (errorBefore.startsWith("No objects found")) continue;
      assert.equal(
        output(project, "v8 findjsinstances -d TypeError").replace(
          /\n {2}error stack \{\n[\s\S]*?\n {2}\}/,
          "",
        ),
        errorBefore,
        version,
      );
    }
  });
});
