/**
 * Node's own TypeScript (issue 21): a .ts file Node runs as it is, its types stripped and every position
 * kept, crashed for real on Node 22, 24 and 26. Its frames are already the source's: `report` shows them as
 * the process printed them, in app.ts, with nothing to map and no note of a missing map.
 */
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { coredump, freshCacheHome, json } from "../support/cli.js";
import { crashDumps } from "../support/crash-dumps.js";
import { printedFrames } from "../support/mapped-service.js";
import { officialNode } from "../support/node-builds.js";
import { strippedTypesCore } from "../support/strip-types-core.js";

const VERSIONS = ["22.22.0", "24.11.0", "26.12.1"];

interface StrippedReport {
  kind: string;
  error: { type: string } | null;
  jsStack: Array<{
    function: string;
    file?: string;
    line?: number;
    column?: number;
    original?: unknown;
    inApp?: boolean;
  }>;
  sourceMaps?: unknown;
}

describe("report on a TypeScript file Node ran as it is (type stripping)", () => {
  for (const version of VERSIONS) {
    it(`Node ${version}: the frames in app.ts as the process printed them, nothing mapped`, async () => {
      const crash = await strippedTypesCore(await officialNode(version));
      const dumps = await crashDumps([crash], "stored-zip");
      const workdir = await mkdtemp(path.join(tmpdir(), "coredump-strip-"));
      const result = await coredump(
        [
          "report",
          dumps.ids[0] ?? "",
          "--dir",
          dumps.dir,
          "--workdir",
          workdir,
          "--binary",
          crash.node,
          "--json",
        ],
        { XDG_CACHE_HOME: freshCacheHome() },
      );
      assert.equal(result.exitCode, 0, result.stderr);
      const report = json<StrippedReport>(result);
      assert.equal(report.kind, "uncaught-exception");
      assert.equal(report.error?.type, "TypeError");
      const printed = printedFrames(crash.stderr).filter((frame) => frame.file.endsWith("app.ts"));
      assert.ok(printed.length >= 2, crash.stderr);
      const inScript = report.jsStack.filter((frame) => frame.file?.endsWith("app.ts"));
      // Where each printed frame is (the walker names an arrow function `(anonymous)` where V8 prints the
      // receiver's `Timeout._onTimeout`): every place the process printed, the crash site first and named.
      const place = ({ line, column }: { line?: number; column?: number }) => `${line}:${column}`;
      assert.deepEqual(
        [inScript[0]?.function, place(inScript[0] ?? {})],
        [printed[0]?.function, place(printed[0] ?? {})],
      );
      const walked = new Set(inScript.map(place));
      for (const frame of printed) assert.ok(walked.has(place(frame)), `${place(frame)} in ${[...walked]}`);
      for (const frame of inScript) {
        assert.equal(frame.original, undefined, JSON.stringify(frame));
      }
      assert.equal(report.sourceMaps, undefined, JSON.stringify(report.sourceMaps));
    });
  }
});
