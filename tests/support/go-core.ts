/**
 * Real cores of real crashing Go programs: tests/fixtures/go-crash built here with Debian's golang-go
 * (`go build`, no network: the module has no dependencies), run with GOTRACEBACK=crash, which makes Go
 * print every goroutine's stack and abort, so that the kernel writes a core.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp as makeTemporary, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { collectCore, plainCorePattern, runToCrash } from "./crash-core.js";
import type { CrashedProcess } from "./crash-dumps.js";
import { repoRoot } from "./repo-root.js";

const run = promisify(execFile);

/** The folders this module made (builds, crashes): removeGoScratch removes them. */
const made: string[] = [];

async function mkdtemp(prefix: string): Promise<string> {
  const folder = await makeTemporary(prefix);
  made.push(folder);
  return folder;
}

/** Removes every folder the builds and crashes made: call it after the tests that used them. */
export async function removeGoScratch(): Promise<void> {
  for (const folder of made.splice(0)) await rm(folder, { recursive: true, force: true });
}

/** How the program dies (its argument); `cgo-fault` is the cgo program's only death. */
export type GoCrashMode = "nil-map" | "nil-pointer" | "map-writes" | "deadlock" | "cgo-fault";

export interface GoBuildOptions {
  /**
   * `go-cgo` (tests/fixtures/go-cgo): C code called through cgo writes through a null pointer; linked by gcc
   * (external linking), so with a GNU build-id and dynamically. Default `go-crash`, Go only, static.
   */
  program?: "go-crash" | "go-cgo";
  /** `-ldflags=-B 0x…`: a GNU build-id beside Go's own, as some builds ask for. */
  gnuBuildId?: boolean;
  /** `-X main.build=…`: another build of the same source, with another Go build ID. */
  variant?: string;
}

/** A folder of its own for Go's caches, so that nothing of the machine's or the user's is used or left. */
async function goEnvironment(cgo: boolean): Promise<Record<string, string>> {
  const home = await mkdtemp(path.join(tmpdir(), "coredump-go-"));
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    GOCACHE: path.join(home, "cache"),
    GOPATH: path.join(home, "gopath"),
    GOFLAGS: "-mod=mod",
    GOPROXY: "off",
    CGO_ENABLED: cgo ? "1" : "0",
  };
}

/** Builds the crashing service; returns the executable's path. */
export async function buildGoProgram(options: GoBuildOptions = {}): Promise<string> {
  const program = options.program ?? "go-crash";
  const env = await goEnvironment(program === "go-cgo");
  const executable = path.join(env.HOME as string, "shop");
  const flags = [
    ...(options.gnuBuildId ? [`-B=0x${randomBytes(20).toString("hex")}`] : []),
    ...(options.variant ? [`-X=main.build=${options.variant}`] : []),
  ];
  await run(
    "go",
    ["build", ...(flags.length > 0 ? [`-ldflags=${flags.join(" ")}`] : []), "-o", executable, "."],
    {
      cwd: path.join(repoRoot(), "tests", "fixtures", program),
      env,
    },
  );
  return executable;
}

/** The place the program printed before its fatal statement: `crash-site FUNCTION FILE:LINE`. */
export interface CrashSite {
  function: string;
  file: string;
  line: number;
}

export interface GoCrash extends CrashedProcess {
  executable: string;
  stdout: string;
  site: CrashSite;
}

/** Runs the program until it dies of `mode`, in a fresh folder, and collects its core. */
export async function crashGoProgram(executable: string, mode: GoCrashMode): Promise<GoCrash> {
  const pattern = await plainCorePattern();
  const cwd = await mkdtemp(path.join(tmpdir(), `coredump-go-${mode}-`));
  const crash = await runToCrash({
    node: executable,
    args: [mode],
    cwd,
    env: { GOTRACEBACK: "crash" },
    timeoutMs: 60_000,
  });
  const core = await collectCore(cwd, crash.pid, pattern);
  const printed = /^crash-site (\S+) (\S+):(\d+)$/m.exec(crash.stdout);
  if (!printed) throw new Error(`the program printed no crash site:\n${crash.stdout}`);
  const site = { function: printed[1] as string, file: printed[2] as string, line: Number(printed[3]) };
  return { ...crash, core, executable, site };
}

/** `go tool buildid FILE`: the Go build ID as Go's own tool reads it. */
export async function goBuildIdOf(executable: string): Promise<string> {
  return (await run("go", ["tool", "buildid", executable])).stdout.trim();
}
