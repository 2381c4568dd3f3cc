/**
 * Retained sizes (issue 22): dominators over the live graph of real cores, checked against memlab's
 * dominators over Node's own heap snapshot of the same moment (tests/support/heap-core.ts), on heaps that
 * hold objects only weakly (tests/support/weak-core.ts), and on real heap-out-of-memory deaths, where the
 * object that retains the most must be the container the service leaks into.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { loadHeap, readHeap, retainedSizes, retainersByRetained } from "../../src/heap/index.js";
import { coredump, freshCacheHome, json } from "../support/cli.js";
import { crashDumps } from "../support/crash-dumps.js";
import { heapCore } from "../support/heap-core.js";
import { LoadedSnapshot } from "../support/heap-snapshot.js";
import { projectLlnode } from "../support/llnode-plugin.js";
import { officialNode } from "../support/node-builds.js";
import { type OomCore, oomCore } from "../support/oom-core.js";
import { coredumpPeakRss } from "../support/peak-rss.js";
import { weakCore } from "../support/weak-core.js";

const VERSIONS = ["20.20.2", "22.22.0", "24.11.0", "26.12.1"];
/** How far a retained size may be from memlab's over Node's own snapshot. */
const TOLERANCE = 0.02;

interface RetainedJson {
  bytes: number;
  types: Array<{ name: string; count: number; bytes: number; retained: number }>;
  retaining: Array<{ name: string; retained: number; self: number; share: number; path: Step[] }>;
  retainers?: Array<{ path: Step[]; retained: number; share: number }>;
}
type Step = { name: string; edge: string };

interface ReportJson {
  heap?: { holders?: Array<{ name: string; retained: number; share: number; path: Step[] }> };
}

/** The one version whose out-of-memory core `report` reads too (its llnode run takes 30 s or more). */
const REPORT_VERSION = "22.22.0";

function assertWithin(actual: number, expected: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= TOLERANCE * expected,
    `${what}: ${actual} bytes, memlab ${expected} (more than ${TOLERANCE * 100}% apart)`,
  );
}

describe("retained sizes against memlab's over Node's own snapshot of the same moment", () => {
  for (const version of VERSIONS) {
    it(`Node ${version}: the Map on the global and the closure's context, within ${TOLERANCE * 100}%`, async () => {
      const heap = await heapCore({ node: await officialNode(version) });
      const own = await LoadedSnapshot.load(heap.snapshot);
      const loaded = await loadHeap(heap.core, heap.node, { graph: true });
      const sizes = retainedSizes(loaded, 0);
      // The instances with their paths from a root: the Map the global holds as `sessions`, and the context
      // of the closure it holds as `countOrders` (global → its property cell → the closure → its context).
      const map = retainersByRetained(loaded, sizes, "Map", 1000).find(
        ({ path }) => path.at(-2)?.edge === "sessions",
      );
      const context = retainersByRetained(loaded, sizes, "(system) Context", 100_000).find(
        ({ path }) => path.at(-3)?.edge === "countOrders" && path.at(-1)?.edge === "(context)",
      );
      assert.ok(map?.retained && context?.retained, `${version}: the Map or the context not found`);
      assertWithin(map.retained, own.globalMapRetainedSize("sessions"), `${version}: the Map`);
      assertWithin(
        context.retained,
        own.globalClosureContextRetainedSize("countOrders"),
        `${version}: the closure's context`,
      );
    });
  }
});

describe("weak references retain nothing", () => {
  for (const version of VERSIONS) {
    it(`Node ${version}: a WeakMap retains none of its values, a WeakRef none of its target`, async () => {
      const weak = await weakCore(await officialNode(version));
      const reading = await readHeap(weak.core, weak.node, {
        retained: 10,
        retainersOf: ["WeakMap", "WeakTarget"],
      });
      const type = (name: string) => {
        const found = reading.types.find((candidate) => candidate.name === name);
        assert.ok(found?.retained !== undefined, `${version}: no ${name} with a retained size`);
        return { ...found, retained: found.retained ?? 0 };
      };
      // The targets are in the core (those a young collection did not clear: some on Node 26), alive as far
      // as the mark goes, and only WeakRefs hold them.
      const targets = type("WeakTarget").count;
      assert.ok(targets > 0 && targets <= weak.count, `${version}: ${targets} WeakTarget objects`);
      const held = reading.retainers?.WeakTarget?.find(({ retained }) => (retained ?? 0) > 0);
      assert.equal(
        type("WeakTarget").retained,
        0,
        `${version}: WeakTarget objects are retained, one through ${held?.path.map((step) => `${step.name} [${step.edge}]`).join(" ← ")}`,
      );
      assert.equal(
        type("WeakRef").retained,
        type("WeakRef").bytes,
        `${version}: WeakRefs retain more than themselves`,
      );
      // The WeakMap on the global: its table only; each value is held by its key instead.
      const values = type("WeakValue");
      assert.equal(values.count, weak.count);
      const table = reading.retainers?.WeakMap?.find(({ path }) => path.at(-2)?.edge === "table");
      assert.ok(table?.retained, `${version}: no WeakMap held as "table"`);
      assert.ok(
        table.retained < values.retained / 10,
        `${version}: the WeakMap retains ${table.retained} bytes, its values ${values.retained}`,
      );
      assert.ok(type("Anchor").retained >= values.retained, `${version}: the keys do not hold their values`);
    });
  }
});

describe("coredump heap --retained on real heap-out-of-memory cores (--max-old-space-size=64)", () => {
  it("the object that retains the most is the Map the service leaks into, on the path to its leaking class", async () => {
    const ooms: OomCore[] = [];
    for (const version of VERSIONS)
      ooms.push(await oomCore({ node: await officialNode(version), heapMb: 64 }));
    const dumps = await crashDumps(ooms, "stored-zip");
    const workdir = await mkdtemp(path.join(tmpdir(), "coredump-heap-retained-"));
    const env = { XDG_CACHE_HOME: freshCacheHome() };
    try {
      for (const [index, oom] of ooms.entries()) {
        const args = heapArgs(dumps.ids[index] ?? "", dumps.dir, workdir, oom.node);
        const result = await coredump([...args, "--retained", "--retainers", oom.leaking, "--json"], env);
        assert.equal(result.exitCode, 0, result.stderr);
        const reading = json<RetainedJson>(result);
        const [top] = reading.retaining;
        const leakingPath = reading.retainers?.[0]?.path ?? [];
        assert.ok(top, `${oom.nodeVersion}: nothing retains`);
        assert.equal(top.name, "Map", `${oom.nodeVersion}: ${JSON.stringify(top)}`);
        assert.deepEqual(
          top.path,
          leakingPath.slice(0, top.path.length),
          `${oom.nodeVersion}: not on the path to a ${oom.leaking}`,
        );
        assert.ok(top.share > 0.5, `${oom.nodeVersion}: the Map holds ${top.share} of the heap`);
        // --retainers goes to the instances that retain the most, largest first.
        const ranked = (reading.retainers ?? []).map((path) => path.retained);
        assert.ok(ranked.length > 0 && ranked.every((size) => size > 0), `${oom.nodeVersion}: ${ranked}`);
        assert.deepEqual(
          ranked,
          [...ranked].sort((a, b) => b - a),
          `${oom.nodeVersion}: not ranked`,
        );
        const leaking = reading.types.find((type) => type.name === oom.leaking);
        assert.ok(
          leaking && top.retained >= leaking.retained,
          `${oom.nodeVersion}: ${JSON.stringify(leaking)}`,
        );
        if (oom.nodeVersion === `v${REPORT_VERSION}`) {
          // report's out-of-memory section leads with the same object, its path from it outwards.
          const reportArgs = ["report", ...args.slice(1), "--json"];
          const result = await coredump(reportArgs, { ...env, LLNODE_PLUGIN: await projectLlnode() });
          assert.equal(result.exitCode, 0, result.stderr);
          const holder = json<ReportJson>(result).heap?.holders?.[0];
          assert.equal(holder?.name, "Map", JSON.stringify(holder));
          assert.equal(holder?.retained, top.retained);
          assert.deepEqual(
            holder?.path.map((step) => step.name),
            top.path
              .slice(0, -1)
              .map((step) => step.name)
              .reverse(),
          );
        }
        if (index === 0) {
          const human = await coredump([...args, "--retained"], env);
          assert.equal(human.exitCode, 0, human.stderr);
          const lines = human.stdout.split("\n");
          const header = lines.findIndex((line) => line.startsWith("What holds the memory"));
          assert.ok(header >= 0, human.stdout);
          assert.match(lines[header + 2] ?? "", /^\S+ \S+ +\d+\.\d% +.* Map ← /, human.stdout);
        }
      }
    } finally {
      for (const folder of [dumps.dir, workdir]) await rm(folder, { recursive: true, force: true });
    }
  });
});

describe("coredump heap --retained in bounded memory", () => {
  it("reads the out-of-memory core of a 1 GB heap, retained sizes and all, in at most 1 GB of RSS", async () => {
    const oom = await oomCore({ node: await officialNode(REPORT_VERSION), heapMb: 1024 });
    const dumps = await crashDumps([oom], "stored-zip");
    const workdir = await mkdtemp(path.join(tmpdir(), "coredump-heap-bounded-"));
    try {
      const args = heapArgs(dumps.ids[0] ?? "", dumps.dir, workdir, oom.node);
      const result = await coredumpPeakRss([...args, "--retained", "--json"], {
        XDG_CACHE_HOME: freshCacheHome(),
      });
      assert.equal(result.exitCode, 0, result.stderr);
      const [top] = json<RetainedJson>(result).retaining;
      assert.equal(top?.name, "Map", JSON.stringify(top));
      const heapBytes = oom.heapMb * 1024 * 1024;
      assert.ok(
        result.peakRss <= heapBytes,
        `peak RSS ${(result.peakRss / 2 ** 20).toFixed(0)} MiB, more than the heap's ${oom.heapMb} MiB`,
      );
    } finally {
      for (const folder of [dumps.dir, workdir]) await rm(folder, { recursive: true, force: true });
    }
  });
});

/** `coredump heap` on a dump of a folder store, with the Node build that made it. */
function heapArgs(id: string, store: string, workdir: string, node: string): string[] {
  return ["heap", id, "--dir", store, "--workdir", workdir, "--binary", node];
}
