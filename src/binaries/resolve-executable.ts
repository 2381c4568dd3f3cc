import { createHash } from "node:crypto";
import { rm, stat } from "node:fs/promises";
import path from "node:path";
import type { ImageInfo } from "../catalog/metadata.js";
import {
  type CoreSummary,
  compareExecutableData,
  DATA_AGREEMENT,
  type ExecutableInfo,
  executableNodeVersion,
  type Machine,
  type MappedElf,
  machineLabel,
  NotACoreError,
  NotElfError,
  readCoreNodeVersion,
  readCoreSummary,
  readExecutableInfo,
} from "../elf/index.js";
import { ExpectedError } from "../errors.js";
import { pathCandidates } from "../image/image-config.js";
import { pullFileFromImage } from "../image/image-file.js";
import { defaultKeychain } from "../image/keychain.js";
import { formatReference } from "../image/reference.js";
import { RegistryError } from "../image/registry-error.js";
import type { TransferWatcher } from "../image/transfer-watcher.js";
import type { Settings } from "../settings.js";
import { sha256File } from "../util/sha256-file.js";
import { BinaryCache } from "./binary-cache.js";
import { BuildIdMismatchError, type CheckedBinary } from "./build-id-mismatch.js";
import { type ImageCandidate, imageCandidates } from "./image-candidates.js";
import { fetchOfficialNode, OfficialBuildError, officialNodePackage } from "./official-node.js";

export { BuildIdMismatchError } from "./build-id-mismatch.js";

export interface ExecutableRequest {
  /** Path of the decompressed core on disk. */
  core: string;
  /** From dump-info (already decoded to /usr/local/bin/node), may be absent. */
  exePath?: string;
  images: ImageInfo[];
  /** `--binary PATH` supplied by the user. */
  binary?: string;
  /** Default true; false = `--no-verify`. */
  verify?: boolean;
  cacheDir: string;
  insecureRegistries?: string[];
  /** Docker's config, pull secrets, insecure registries, registry limits, npm's environment. */
  settings: Settings;
  onProgress?: (message: string) => void;
  /** Watches each layer's download from a registry (a progress bar on a terminal). */
  onTransfer?: (what: string) => TransferWatcher;
}

/**
 * How an executable was proven to be the core's: its build-id equals the core's; or, for a Go program
 * linked without a GNU build-id (`go build`'s default), its Go build ID equals the one in the core's copy of
 * its first page; or, for a core that holds no build-id (qemu-user's, without NT_FILE), it came from the
 * crashed image pinned by digest and its architecture and Node version (and, where the core holds them, its
 * data bytes) match; or not at all (`--no-verify`).
 */
export type Verification = "build-id" | "go-build-id" | "image-digest-and-version" | "none";

/** The proofs by identity, in words: what `fetch`, `report` and the errors call them. */
export const PROOF_NAMES = { "build-id": "build-id", "go-build-id": "Go build ID" } as const;

/** What identifies the core's executable: its GNU build-id, else its Go build ID; the cache keys it by that. */
interface Proof {
  kind: keyof typeof PROOF_NAMES;
  id: string;
  cacheKey: string;
}

/** The proof a mapped executable offers: a GNU build-id first (also in a Go binary linked with `-B`). */
function proofOf(module: MappedElf | undefined): Proof | undefined {
  if (module?.buildId) return { kind: "build-id", id: module.buildId, cacheKey: module.buildId };
  if (module?.goBuildId)
    return {
      kind: "go-build-id",
      id: module.goBuildId,
      cacheKey: `go-${createHash("sha256").update(module.goBuildId).digest("hex")}`,
    };
  return undefined;
}

/** A file's id of the proof's kind. */
function idOf(info: Partial<ExecutableInfo>, proof: Proof): string | undefined {
  return proof.kind === "build-id" ? info.buildId : info.goBuildId;
}

/** The proof of a result, named as in JSON. */
export function verificationOf(result: Extract<ExecutableResult, { path: string }>): Verification {
  return result.verification ?? "build-id";
}

/** How the weaker proof is named, wherever it is shown: never as a build-id match. */
export const DIGEST_AND_VERSION = "verified by image digest and version, not by build-id";

export type ExecutableResult =
  | {
      path: string;
      buildId: string;
      source: "cache" | "image" | "official" | "user";
      detail: string;
      /** How it was proven to be the core's, where not by build-id (absent: the build-ids are equal). */
      verification?: Exclude<Verification, "build-id">;
      /** The Go build ID the file and the core share, where that was the proof. */
      goBuildId?: string;
    }
  | { path: null; reason: string };

/** An executable found and proven by build-id. */
type VerifiedExecutable = Extract<ExecutableResult, { path: string }>;

/**
 * A core of one architecture and an executable of another: no debugger reads that pair, so it is refused
 * whatever the flags, in one line that names both.
 */
export class ArchitectureMismatchError extends ExpectedError {
  constructor(
    readonly core: Machine,
    readonly binaries: ReadonlyArray<{ binary: string; machine: Machine }>,
  ) {
    const found = binaries.map((entry) => `${entry.binary} is ${machineLabel(entry.machine)}`).join("; ");
    super(
      `the core is ${machineLabel(core)}, but ${found}: an executable of another architecture cannot read it; give the ${machineLabel(core)} build with --binary PATH`,
    );
    this.name = "ArchitectureMismatchError";
  }
}

/**
 * The executable that produced a core, proven by build-id: the cache, then the crashed container's image,
 * then (for Node) the official build of the version the core names. `--binary` replaces the chain.
 */
export async function resolveExecutable(request: ExecutableRequest): Promise<ExecutableResult> {
  let summary: CoreSummary;
  try {
    summary = await readCoreSummary(request.core, { nodeVersion: false });
  } catch (error) {
    if (error instanceof NotElfError || error instanceof NotACoreError)
      return { path: null, reason: error.message };
    throw error;
  }
  const resolver = new Resolver(request, summary);
  return request.binary ? resolver.userBinary(request.binary) : resolver.chain();
}

class Resolver {
  private readonly verify: boolean;
  private readonly proof: Proof | undefined;
  private readonly name: string;
  private readonly cache: BinaryCache;
  private readonly settings: Settings;
  private readonly progress: (message: string) => void;
  private readonly onTransfer: ((what: string) => TransferWatcher) | undefined;
  private readonly mismatches: CheckedBinary[] = [];
  private readonly otherMachines: Array<{ binary: string; machine: Machine }> = [];
  private readonly failures: string[] = [];

  constructor(
    private readonly request: ExecutableRequest,
    private readonly summary: CoreSummary,
  ) {
    this.verify = request.verify !== false;
    this.proof = proofOf(summary.executable);
    this.name = path.basename(
      request.exePath ?? summary.executable?.path ?? summary.process?.fname ?? "executable",
    );
    this.cache = new BinaryCache(request.cacheDir);
    this.settings = request.settings;
    this.progress = request.onProgress ?? (() => {});
    this.onTransfer = request.onTransfer;
  }

  async userBinary(binary: string): Promise<ExecutableResult> {
    const file = path.resolve(binary);
    const kind = await stat(file).catch(() => undefined);
    if (!kind?.isFile())
      throw new ExpectedError(
        `--binary ${binary}: ${kind ? "that is a folder, not a file" : "no such file"}; give the path of the executable`,
      );
    const info = await readExecutableInfo(file).catch((error: unknown) => {
      if (error instanceof NotElfError) throw new ExpectedError(`--binary ${binary}: not an ELF executable`);
      throw error;
    });
    if (info.machine.code !== this.summary.machine.code)
      throw new ArchitectureMismatchError(this.summary.machine, [{ binary: file, machine: info.machine }]);
    if (!this.verify) {
      return {
        path: file,
        buildId: info.buildId ?? "",
        source: "user",
        detail: `${file}, not verified (--no-verify)`,
        verification: "none",
      };
    }
    const proof = this.proof;
    if (!proof) return { path: null, reason: this.noCoreBuildId() };
    if (idOf(info, proof) !== proof.id)
      throw new BuildIdMismatchError(
        proof.id,
        [{ binary: file, buildId: idOf(info, proof) }],
        PROOF_NAMES[proof.kind],
      );
    return {
      path: file,
      buildId: info.buildId ?? "",
      source: "user",
      detail: `${file}, ${PROOF_NAMES[proof.kind]} matches the core`,
      ...proofFields(proof),
    };
  }

  async chain(): Promise<ExecutableResult> {
    await this.cache.sweepOrphans();
    if (this.proof) {
      const cached = await this.fromCache(this.proof);
      if (cached) return cached;
    } else if (this.verify) {
      // A kernel's core keeps the strict check; one without NT_FILE (qemu-user's) may take the weaker proof.
      if (this.summary.hasFileNote) return { path: null, reason: this.noCoreBuildId() };
      return this.byDigestAndVersion();
    }
    const staging = await this.cache.staging();
    try {
      const found = (await this.fromImages(staging)) ?? (await this.fromOfficialBuild(staging));
      if (found) return found;
    } finally {
      await this.cache.discard(staging);
    }
    this.refuseOtherMachines();
    if (this.proof && this.mismatches.length > 0)
      throw new BuildIdMismatchError(this.proof.id, this.mismatches, PROOF_NAMES[this.proof.kind]);
    const why =
      this.failures.length > 0
        ? this.failures.join("; ")
        : "the dump names no image and the core no Node version";
    return { path: null, reason: `no source has the executable: ${why}` };
  }

  /**
   * The cached file, checked again: the cache is a folder anyone with the user's rights can write, and a
   * file put under the wrong build-id would show wrong frames. One that fails the check is removed.
   */
  private async fromCache(proof: Proof): Promise<VerifiedExecutable | undefined> {
    const cached = await this.cache.lookup(proof.cacheKey);
    if (!cached) return undefined;
    const info = await identify(cached);
    if (idOf(info, proof) === proof.id && info.machine?.code === this.summary.machine.code)
      return {
        path: cached,
        buildId: info.buildId ?? "",
        source: "cache",
        detail: `cached as ${cached}`,
        ...proofFields(proof),
      };
    this.progress(
      `the cached ${cached} has ${PROOF_NAMES[proof.kind]} ${idOf(info, proof) ?? "(none)"}, not ${proof.id}: removed it, looking again`,
    );
    await rm(cached, { force: true });
    return undefined;
  }

  /**
   * A core without a build-id for its executable and without NT_FILE: the executable of the crashed image,
   * pinned by digest, whose architecture and Node version are the core's, and whose initialised data agrees
   * with the core's copy where the core holds one. Labelled as such, never as a build-id match.
   */
  private async byDigestAndVersion(): Promise<ExecutableResult> {
    const noBuildId =
      "the core holds no build-id for its executable (no NT_FILE note and no ELF headers, as qemu-user writes cores)";
    const version = await readCoreNodeVersion(this.request.core);
    if (!version)
      return {
        path: null,
        reason: `${noBuildId} and names no Node version, so no binary can be verified: pass --binary PATH --no-verify`,
      };
    const pinned = imageCandidates(this.request.images).filter((candidate) => candidate.reference.digest);
    if (pinned.length === 0)
      return {
        path: null,
        reason: `${noBuildId}, and no image-info pins the container's image by digest, so no binary can be verified: pass --binary PATH --no-verify`,
      };
    const staging = await this.cache.staging();
    try {
      const found = await this.fromImages(staging, pinned, (file, label, detail) =>
        this.acceptByVersion(file, label, detail, version),
      );
      if (found) return found;
    } finally {
      await this.cache.discard(staging);
    }
    this.refuseOtherMachines();
    return {
      path: null,
      reason: `${noBuildId}; no image pinned by digest has a matching one: ${this.failures.join("; ")}`,
    };
  }

  private async acceptByVersion(
    file: string,
    label: string,
    detail: string,
    coreVersion: string,
  ): Promise<VerifiedExecutable | undefined> {
    const info = await identify(file);
    const reject = async (why: string) => {
      this.failures.push(`${label} ${why}`);
      await rm(file, { force: true });
      return undefined;
    };
    if (!info.machine) return reject("is not an ELF executable");
    if (info.machine.code !== this.summary.machine.code) {
      this.otherMachines.push({ binary: label, machine: info.machine });
      return reject(`is ${machineLabel(info.machine)}, the core ${machineLabel(this.summary.machine)}`);
    }
    const version = await executableNodeVersion(file);
    if (version !== coreVersion)
      return reject(`is Node ${version ?? "(no version found)"}, the core names Node ${coreVersion}`);
    const data = await compareExecutableData(this.request.core, file, this.summary.programHeaders);
    const agreement = data.compared === 0 ? undefined : data.same / data.compared;
    if (agreement !== undefined && agreement < DATA_AGREEMENT)
      return reject(
        `agrees with the core's copy of its data on ${percent(agreement)} of ${data.compared} bytes, under ${percent(DATA_AGREEMENT)}`,
      );
    const buildId = info.buildId ?? `unidentified-${await sha256File(file)}`;
    const stored = await this.cache.store(file, buildId, this.name);
    const dataNote =
      agreement === undefined
        ? "the core holds none of its data"
        : `its data agrees with the core's on ${percent(agreement)} of ${data.compared} bytes`;
    return {
      path: stored,
      buildId: info.buildId ?? "",
      source: "image",
      detail: `${detail}, ${DIGEST_AND_VERSION} (${machineLabel(info.machine)}, Node ${version}; ${dataNote})`,
      verification: "image-digest-and-version",
    };
  }

  /** Candidates of another architecture only: that is the error, not a build-id mismatch. */
  private refuseOtherMachines(): void {
    const sameMachine = this.mismatches.length > this.otherMachines.length;
    if (this.otherMachines.length > 0 && !sameMachine)
      throw new ArchitectureMismatchError(this.summary.machine, this.otherMachines);
  }

  private async fromImages(
    staging: string,
    candidates: ImageCandidate[] = imageCandidates(this.request.images),
    accept: (file: string, label: string, detail: string) => Promise<VerifiedExecutable | undefined> = (
      file,
      label,
      detail,
    ) => this.accept(file, label, "image", detail),
  ): Promise<VerifiedExecutable | undefined> {
    if (candidates.length === 0) this.failures.push("no image-info names the container's image");
    const inCore = [this.request.exePath, this.summary.executable?.path].filter(
      (entry): entry is string => !!entry,
    );
    const insecureRegistries = [
      ...(this.request.insecureRegistries ?? []),
      ...this.settings.insecureRegistries,
    ];
    const keychain = defaultKeychain(this.settings, this.progress);
    for (const candidate of candidates) {
      const label = formatReference(candidate.reference);
      try {
        const pulled = await pullFileFromImage({
          reference: candidate.reference,
          platform: { os: "linux", architecture: this.summary.machine.ociArchitecture },
          ...(candidate.imageId ? { imageId: candidate.imageId } : {}),
          candidates: (config) => [...inCore, ...pathCandidates(config, this.name)],
          workDir: staging,
          keychain,
          insecureRegistries,
          limits: this.settings.limits.registry,
          onProgress: this.progress,
          ...(this.onTransfer ? { onTransfer: this.onTransfer } : {}),
        });
        const detail = `${label} ${pulled.path} (layer ${pulled.layerDigest})`;
        const found = await accept(pulled.file, `${pulled.path} in ${label}`, detail);
        if (found) return found;
      } catch (error) {
        if (!(error instanceof RegistryError)) throw error;
        this.progress(error.message);
        this.failures.push(error.message);
      }
    }
    return undefined;
  }

  private async fromOfficialBuild(staging: string): Promise<VerifiedExecutable | undefined> {
    const npmPackage = officialNodePackage(this.summary.machine.name);
    const version = npmPackage && (await readCoreNodeVersion(this.request.core));
    if (!version || !npmPackage) return undefined;
    const spec = `${npmPackage}@${version}`;
    this.progress(`fetching the official build of Node ${version} (npm ${spec})`);
    const file = path.join(staging, "official-node");
    try {
      await fetchOfficialNode(version, this.summary.machine.name, file, this.settings.env);
    } catch (error) {
      if (!(error instanceof OfficialBuildError)) throw error;
      this.failures.push(error.message);
      return undefined;
    }
    return this.accept(
      file,
      `the official Node ${version} (npm ${spec})`,
      "official",
      `official Node ${version} from npm ${spec}`,
    );
  }

  /** Keeps a candidate that matches the core (any, with --no-verify) in the cache; else notes the mismatch. */
  private async accept(
    file: string,
    label: string,
    source: VerifiedExecutable["source"],
    detail: string,
  ): Promise<VerifiedExecutable | undefined> {
    const info = await identify(file);
    if (info.machine && info.machine.code !== this.summary.machine.code) {
      // Of another architecture: refused even with --no-verify, since no debugger could use it.
      this.otherMachines.push({ binary: label, machine: info.machine });
      this.mismatches.push({ binary: label, buildId: info.buildId });
      this.failures.push(
        `${label} is ${machineLabel(info.machine)}, the core ${machineLabel(this.summary.machine)}`,
      );
      await rm(file, { force: true });
      return undefined;
    }
    const proof = this.proof;
    const theirs = proof && idOf(info, proof);
    const matches = proof !== undefined && theirs === proof.id;
    const named = PROOF_NAMES[proof?.kind ?? "build-id"];
    if (!matches && this.verify) {
      this.mismatches.push({ binary: label, buildId: theirs });
      this.failures.push(`${label} has ${named} ${theirs ?? "(none)"}, not the core's ${proof?.id}`);
      await rm(file, { force: true });
      return undefined;
    }
    const key = matches ? proof.cacheKey : (info.buildId ?? `unidentified-${await sha256File(file)}`);
    const stored = await this.cache.store(file, key, this.name);
    const unverified = matches
      ? ""
      : `, not verified (--no-verify): ${named} ${theirs ?? info.buildId ?? "(none)"}, the core's ${proof?.id ?? "(none)"}`;
    return {
      path: stored,
      buildId: info.buildId ?? "",
      source,
      detail: `${detail}${unverified}`,
      ...(matches ? proofFields(proof) : { verification: "none" as const }),
    };
  }

  private noCoreBuildId(): string {
    return this.summary.hasFileNote
      ? "the core holds no build-id for its executable (the kernel's coredump_filter left out ELF headers), so no binary can be verified: pass --binary PATH --no-verify"
      : "the core holds no build-id for its executable (no NT_FILE note and no ELF headers, as qemu-user writes cores), so --binary cannot be verified: pass --no-verify as well, or let fetch take the executable from the image pinned by digest";
  }
}

/** What a result says of a proof by identity: nothing for a GNU build-id (the default), the Go build ID else. */
function proofFields(proof: Proof): { verification?: "go-build-id"; goBuildId?: string } {
  return proof.kind === "go-build-id" ? { verification: "go-build-id", goBuildId: proof.id } : {};
}

/** An executable's identity; a file that is not ELF (a shell wrapper, say) has none. */
async function identify(file: string): Promise<Partial<ExecutableInfo>> {
  try {
    return await readExecutableInfo(file);
  } catch (error) {
    if (error instanceof NotElfError) return {};
    throw error;
  }
}

function percent(fraction: number): string {
  return `${Math.floor(fraction * 1000) / 10} %`;
}
