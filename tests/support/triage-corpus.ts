/**
 * The real cores a whole-bucket triage is checked on: every kind kind-dumps.ts makes and the tutorial's
 * uncaught exception (real-core.ts), on each official Node build given, and each way the Go program of
 * go-core.ts dies. Every core is one the other tests make and cache; the Go program is built afresh (under
 * a second). Call removeGoScratch() once done.
 */
import { pushAppImage } from "./app-image.js";
import { crashSpec } from "./crash-dumps.js";
import { buildGoProgram, crashGoProgram, type GoCrashMode } from "./go-core.js";
import type { DumpSpec, ImageSpec } from "./handler-layout.js";
import { kindDumps } from "./kind-dumps.js";
import { officialNode } from "./node-builds.js";
import { realCore } from "./real-core.js";

export interface CorpusDump {
  spec: DumpSpec;
  /** The kind `report` must find: what the process was made to die of. */
  kind: string;
  runtime: "node" | "go";
  /** `kind@version`, or `go:mode`: for assertion messages. */
  label: string;
}

const GO_DEATHS: readonly GoCrashMode[] = ["nil-map", "nil-pointer", "map-writes", "deadlock"];
const GO_IN_IMAGE = "/usr/local/bin/shop";

/** The dumps, and the image of each Node version's dumps (one per version: kindDumps pushes one per label). */
export async function triageCorpus(
  versions: readonly string[],
  label: string,
): Promise<{ images: Map<string, ImageSpec>; dumps: CorpusDump[] }> {
  const images = new Map<string, ImageSpec>();
  const dumps: CorpusDump[] = [];
  for (const version of versions) {
    const made = await kindDumps(version, `${label}-${version}`);
    images.set(version, made.image);
    for (const { crash, spec } of made.dumps)
      dumps.push({ spec, kind: crash.kind, runtime: "node", label: `${crash.kind}@${version}` });
    // The tutorial's crash ran the same official build: the version's image serves it too.
    const tutorial = await realCore({ node: await officialNode(version) });
    dumps.push({
      spec: crashSpec(tutorial, made.image),
      kind: "uncaught-exception",
      runtime: "node",
      label: `uncaught-exception@${version}`,
    });
  }
  dumps.push(...(await goDumps(`${label}-go`)));
  return { images, dumps };
}

async function goDumps(label: string): Promise<CorpusDump[]> {
  const executable = await buildGoProgram();
  const image = await pushAppImage(executable, GO_IN_IMAGE, label);
  const dumps: CorpusDump[] = [];
  for (const mode of GO_DEATHS) {
    const crash = await crashGoProgram(executable, mode);
    // What Go printed first names the kind: `panic: …` or `fatal error: …`.
    const printed = /^(panic|fatal error): /m.exec(crash.stderr)?.[1];
    if (!printed)
      throw new Error(`the Go program (${mode}) printed no cause:\n${crash.stderr.slice(0, 500)}`);
    dumps.push({
      spec: { ...crashSpec(crash, image), exe: "shop", exePath: GO_IN_IMAGE },
      kind: printed === "panic" ? "panic" : "fatal-error",
      runtime: "go",
      label: `go:${mode}`,
    });
  }
  return dumps;
}
