import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { pushAppImage } from "../support/app-image.js";
import { coredump, json } from "../support/cli.js";
import { crashSpec } from "../support/crash-dumps.js";
import {
  buildGoProgram,
  type CrashSite,
  crashGoProgram,
  type GoCrash,
  type GoCrashMode,
  goBuildIdOf,
  removeGoScratch,
} from "../support/go-core.js";
import { type DumpSpec, zipDump } from "../support/handler-layout.js";
import { freshBucket, putObjects, rigS3, s3Env } from "../support/s3-rig.js";

const IN_IMAGE = "/usr/local/bin/shop";

interface FetchJson {
  executable: string | null;
  reason?: string;
  buildId?: string;
  goBuildId?: string;
  verification?: string;
}

interface GoFrameJson {
  function: string;
  file?: string;
  line?: number;
}

interface ReportJson {
  runtime: string;
  kind: string;
  kindSigns: Array<{ source: string; says: string }>;
  executable: { verification: string } | null;
  go: {
    message: string | null;
    signal?: string;
    crashed: { id: number | null; frames: GoFrameJson[]; source: string } | null;
    goroutines: {
      total: number;
      byState: Array<{ state: string; count: number }>;
      identical: Array<{ count: number; state: string; top: GoFrameJson }>;
    } | null;
  };
  debugger: { name: string; readable: boolean } | null;
}

interface GroupJson {
  kind: string;
  title: string;
  ids: string[];
}

/** What Go printed first: `panic: MSG` or `fatal error: MSG`, read from the program's stderr. */
function printedCause(crash: GoCrash): { kind: string; message: string } {
  const first = /^(panic|fatal error): (.*)$/m.exec(crash.stderr);
  assert.ok(first, `no cause in the program's stderr:\n${crash.stderr.slice(0, 500)}`);
  return { kind: first[1] === "panic" ? "panic" : "fatal-error", message: (first[2] ?? "").trim() };
}

/** The first frame of the program's own code, and where: what it printed before its fatal statement. */
function assertCrashSite(frames: readonly GoFrameJson[], site: CrashSite): void {
  const frame = frames.find((candidate) => candidate.function === site.function);
  assert.ok(frame, `no frame ${site.function} in ${JSON.stringify(frames)}`);
  assert.equal(frame.file, site.file);
  assert.equal(frame.line, site.line);
  const own = frames.find((candidate) => candidate.function.startsWith("main."));
  assert.equal(own?.function, site.function, "the program's first frame is the crash site");
}

describe("Go programs crashed with GOTRACEBACK=crash, executables from the rig's registry, dumps from RGW", () => {
  const s3 = rigS3();
  let env: Record<string, string>;
  let workdir: string;
  let plain: string;
  let withGnuId: string;
  let cgo: string;
  const crashes = new Map<string, { crash: GoCrash; spec: DumpSpec }>();

  before(async () => {
    [plain, withGnuId, cgo] = await Promise.all([
      buildGoProgram(),
      buildGoProgram({ gnuBuildId: true }),
      buildGoProgram({ program: "go-cgo" }),
    ]);
    const [plainImage, gnuImage, cgoImage] = await Promise.all([
      pushAppImage(plain, IN_IMAGE, "go-plain"),
      pushAppImage(withGnuId, IN_IMAGE, "go-gnu"),
      pushAppImage(cgo, IN_IMAGE, "go-cgo"),
    ]);
    const bucket = await freshBucket(s3, "go");
    const cases: Array<[string, string, GoCrashMode, typeof plainImage, boolean]> = [
      ["nil-map", plain, "nil-map", plainImage, true],
      ["nil-pointer", plain, "nil-pointer", plainImage, true],
      ["map-writes", plain, "map-writes", plainImage, true],
      ["deadlock", plain, "deadlock", plainImage, true],
      ["gnu nil-map", withGnuId, "nil-map", gnuImage, true],
      ["cgo", cgo, "cgo-fault", cgoImage, true],
      ["no log nil-map", plain, "nil-map", plainImage, false],
      ["no log nil-pointer", plain, "nil-pointer", plainImage, false],
      ["no log map-writes", plain, "map-writes", plainImage, false],
    ];
    for (const [label, executable, mode, image, log] of cases) {
      const crash = await crashGoProgram(executable, mode);
      // Without the traceback, the log holds what the program printed on stdout only (a log cut short).
      const spec = {
        ...crashSpec(log ? crash : { ...crash, stderr: crash.stdout }, image),
        exe: "shop",
        exePath: IN_IMAGE,
      };
      await putObjects(s3, bucket, zipDump(spec));
      crashes.set(label, { crash, spec });
    }
    env = s3Env(s3, bucket);
    workdir = await mkdtemp(path.join(tmpdir(), "coredump-go-work-"));
  });

  after(async () => {
    await removeGoScratch();
    await rm(workdir, { recursive: true, force: true });
  });

  const dumpOf = (label: string) => {
    const found = crashes.get(label);
    assert.ok(found, label);
    return found;
  };

  it("fetch verifies a plain go build by its Go build ID, and one linked with -B by its GNU build-id", async () => {
    const plainFetch = json<FetchJson>(
      await coredump(["fetch", dumpOf("nil-map").spec.uuid, "--workdir", workdir, "--json"], env),
    );
    assert.ok(plainFetch.executable, plainFetch.reason);
    assert.equal(plainFetch.verification, "go-build-id");
    assert.equal(plainFetch.goBuildId, await goBuildIdOf(plain));
    const human = await coredump(["fetch", dumpOf("nil-map").spec.uuid, "--workdir", workdir], env);
    assert.match(human.stdout, /Go build ID \S+ \(the core holds no GNU build-id\)/);
    const info = await coredump(["info", dumpOf("nil-map").spec.uuid], { ...env, COREDUMP_WORKDIR: workdir });
    assert.match(info.stdout, new RegExp(`^proof +Go build ID ${literal(await goBuildIdOf(plain))} `, "m"));

    const gnuFetch = json<FetchJson>(
      await coredump(["fetch", dumpOf("gnu nil-map").spec.uuid, "--workdir", workdir, "--json"], env),
    );
    assert.ok(gnuFetch.executable, gnuFetch.reason);
    assert.equal(gnuFetch.verification, "build-id");
    const notes = (await promisify(execFile)("readelf", ["-n", withGnuId])).stdout;
    assert.equal(gnuFetch.buildId, /Build ID: ([0-9a-f]+)/.exec(notes)?.[1]);
  });

  it("refuses another build of the same program given with --binary, naming the Go build IDs", async () => {
    const other = await buildGoProgram({ variant: "other" });
    const result = await coredump(
      ["fetch", dumpOf("nil-pointer").spec.uuid, "--workdir", workdir, "--binary", other, "--force"],
      env,
    );
    assert.equal(result.exitCode, 1, result.stderr);
    assert.match(result.stderr, /the core was made by Go build ID \S+, but .* has Go build ID \S+/);
    assert.ok(result.stderr.includes(await goBuildIdOf(other)));
    const right = json<FetchJson>(
      await coredump(
        ["fetch", dumpOf("nil-pointer").spec.uuid, "--workdir", workdir, "--binary", plain, "--json"],
        env,
      ),
    );
    assert.equal(right.verification, "go-build-id");
  });

  for (const label of ["nil-map", "nil-pointer", "map-writes", "deadlock", "gnu nil-map"]) {
    it(`report names the ${label} death as Go printed it, and the program's frame at its line`, async () => {
      const { crash, spec } = dumpOf(label);
      const report = json<ReportJson>(
        await coredump(["report", spec.uuid, "--workdir", workdir, "--json"], env),
      );
      const cause = printedCause(crash);
      assert.equal(report.runtime, "go");
      assert.equal(report.kind, cause.kind);
      assert.equal(report.go.message, cause.message);
      assert.ok(report.go.crashed);
      assertCrashSite(report.go.crashed.frames, crash.site);
      const idle = report.go.goroutines?.identical.find((group) => group.state === "chan receive");
      assert.equal(idle?.count, 3, "the three goroutines waiting at one line are one group");
      assert.equal(report.debugger?.name, "dlv");
      assert.equal(report.debugger?.readable, true);
      if (label === "nil-pointer") assert.match(report.go.signal ?? "", /^SIGSEGV: segmentation violation/);
      const human = await coredump(["report", spec.uuid, "--workdir", workdir], env);
      assert.match(human.stdout, /died of\s+(panic|fatal-error)/);
      assert.ok(human.stdout.includes(`${crash.site.file}:${crash.site.line}`), human.stdout);
    });
  }

  for (const mode of ["nil-map", "nil-pointer", "map-writes"]) {
    it(`report reads the ${mode} death from the core with Delve when the dump holds no log`, async () => {
      const { crash, spec } = dumpOf(`no log ${mode}`);
      const report = json<ReportJson>(
        await coredump(["report", spec.uuid, "--workdir", workdir, "--json"], env),
      );
      const cause = printedCause(crash);
      assert.equal(report.runtime, "go");
      assert.equal(report.kind, cause.kind);
      assert.equal(report.go.crashed?.source, "dlv");
      assertCrashSite(report.go.crashed?.frames ?? [], crash.site);
      // A panic's value is the argument of runtime.gopanic; Go 1.19's runtime.fatal keeps its text where Delve
      // cannot read it back (no location list at that point), so a fatal error's message comes from the log.
      if (cause.kind === "panic")
        assert.equal(report.go.message, cause.message, "the panic's value, from the core");
      else assert.equal(report.go.message, null);
      assert.match(
        report.kindSigns[0]?.says ?? "",
        /^runtime\.(gopanic|fatal) in the crashed goroutine \(Delve\)$/,
      );
    });
  }

  it("report names the C function and line where cgo code faulted, and the Go frames that called it", async () => {
    const { crash, spec } = dumpOf("cgo");
    const report = json<ReportJson & { go: { cgoFault?: GoFrameJson & { pc: string } } }>(
      await coredump(["report", spec.uuid, "--workdir", workdir, "--json"], env),
    );
    assert.equal(report.runtime, "go");
    assert.equal(report.kind, "native-fault");
    assert.equal(report.executable?.verification, "build-id", "gcc linked it, with a GNU build-id");
    assert.equal(report.go.message, printedCause(crash).message);
    assert.match(report.go.signal ?? "", /^SIGSEGV: /);
    assert.equal(report.go.cgoFault?.function, crash.site.function);
    assert.equal(report.go.cgoFault?.file, crash.site.file);
    assert.equal(report.go.cgoFault?.line, crash.site.line);
    const frames = report.go.crashed?.frames.map((frame) => frame.function) ?? [];
    assert.ok(frames.includes("runtime.cgocall") && frames.includes("main.main"), frames.join(", "));
  });

  it("debug opens dlv core: --batch lists the goroutines, the crashed one starred at its line", async () => {
    const { crash, spec } = dumpOf("nil-map");
    const result = await coredump(["debug", spec.uuid, "--workdir", workdir, "--batch"], env);
    assert.equal(result.exitCode, 0, result.stderr);
    // Delve names the goroutine's function, main.main.func2, into which Go inlined the crashing method.
    const starred = /^\* Goroutine \d+ - User: (\S+):(\d+) /m.exec(result.stdout);
    assert.ok(starred, result.stdout);
    assert.equal(starred[1], crash.site.file);
    assert.equal(Number(starred[2]), crash.site.line);
    assert.match(
      result.stdout,
      new RegExp(`in ${literal(crash.site.function)}\\n\\s+at \\S+:${crash.site.line}`),
    );
    const gdb = await coredump(
      ["debug", spec.uuid, "--workdir", workdir, "--debugger", "gdb", "--batch", "-o", "bt"],
      env,
    );
    assert.equal(gdb.exitCode, 0, gdb.stderr);
    assert.match(gdb.stdout, /^#\d+ .*runtime\./m);
  });

  it("groups names each Go crash by its message and the program's top frame", async () => {
    const groups = json<GroupJson[]>(await coredump(["groups", "--json"], env));
    for (const label of ["nil-map", "nil-pointer", "map-writes"]) {
      const { crash, spec } = dumpOf(label);
      const group = groups.find((entry) => entry.ids.includes(spec.uuid));
      assert.ok(group, label);
      const cause = printedCause(crash);
      assert.equal(group.kind, cause.kind);
      const method = crash.site.function.split(".").at(-1) as string;
      assert.ok(group.title.includes(cause.message), group.title);
      assert.ok(group.title.includes(`at ${method} (`), group.title);
    }
    // The same panic, plain build or -B, reported or not: one crash.
    const nilMap = groups.find((entry) => entry.ids.includes(dumpOf("nil-map").spec.uuid));
    assert.ok(nilMap?.ids.includes(dumpOf("gnu nil-map").spec.uuid));
  });
});

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
