/**
 * Builders for what core-dump-handler puts in a bucket, every era (see /work/shared/notes/dump-layouts.md):
 *
 * - `legacyDump`: era 0, kcdt v1.0.x: `dump-<ts>-<host>-<exe>-<pid>-<sig>.core.gz` and `<name>.json`.
 * - `looseDump`: era 1, kcdt.sh 2020: four loose objects per dump.
 * - `zipDump`: era 2, the Rust composer 2021 to now: one zip per dump, with the known quirks as options.
 *
 * The builders are pure: they read nothing until a body is consumed, so a test can build, then upload to S3
 * (`openBody`, `readBody`) or lay out a `/cores`-like folder (`writeToDirectory`).
 */
import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream, constants as fsConstants } from "node:fs";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { PassThrough, pipeline, type Readable } from "node:stream";
import { pipeline as pipelineAsync } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { ZipFile } from "yazl";

// ---------------------------------------------------------------------------------------------------------
// Objects

/**
 * One object as the handler would upload it (`key` is the full object key, prefix included). The body never
 * holds a core in memory needlessly:
 * - `data`: a small body held in memory (JSON, logs; a core only when the spec's core is itself a Buffer);
 * - `path`: an existing file, streamed as is (a bare core);
 * - `open`: a body computed on demand (a gzipped core, a zip); every call returns a fresh stream of it.
 */
export type StoredObject = DataObject | FileObject | LazyObject;
export type DataObject = { key: string; data: Buffer };
export type FileObject = { key: string; path: string };
export type LazyObject = { key: string; open: () => Readable };

export function openBody(object: StoredObject): Readable {
  if ("data" in object) return new PassThrough().end(object.data);
  if ("path" in object) return createReadStream(object.path);
  return object.open();
}

export async function readBody(object: StoredObject): Promise<Buffer> {
  if ("data" in object) return object.data;
  const chunks: Buffer[] = [];
  for await (const chunk of openBody(object)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Writes each object to `<dir>/<key>` (prefixed keys become subfolders) and returns them as files, so callers
 * that need a length (an S3 PutObject) can stat them. A file body is copied (reflinked where possible).
 */
export async function writeToDirectory(objects: StoredObject[], dir: string): Promise<FileObject[]> {
  const written: FileObject[] = [];
  for (const object of objects) {
    const path = join(dir, ...object.key.split("/"));
    await mkdir(dirname(path), { recursive: true });
    if ("data" in object) await writeFile(path, object.data);
    else if ("path" in object) await copyFile(object.path, path, fsConstants.COPYFILE_FICLONE);
    else await pipelineAsync(object.open(), createWriteStream(path));
    written.push({ key: object.key, path });
  }
  return written;
}

// ---------------------------------------------------------------------------------------------------------
// Spec

export type ImageSpec = {
  /** e.g. `docker.io/number9/example-crashing-nodejs-app` */
  repo: string;
  tag: string;
  /** Manifest digest `sha256:…` (what `repoDigests` pins). */
  digest: string;
  /** Image config digest `sha256:…` (crictl's image id). */
  id: string;
  /** Bytes; crictl prints it as a string in JSON and human readable (`338MB`) in its table. */
  size?: number;
  /** crictl's `uid`: `null`, or `{ value: "999" }` when the image's USER is numeric. */
  uid?: { value: string } | null;
  username?: string;
};

export type ContainerSpec = {
  name: string;
  /** 64 hex; derived from the dump and the index when absent. */
  id?: string;
  /** Defaults to the spec's image. */
  image?: ImageSpec;
  /** What `crictl logs --tail 500` printed. */
  log?: string;
};

/** FILENAME_TEMPLATE's variables, every one a string as the composer renders them. */
export type NameVars = {
  uuid: string;
  timestamp: string;
  hostname: string;
  exe_name: string;
  pid: string;
  signal: string;
  namespace: string;
  podname: string;
  pathname: string;
  limit_size: string;
  directory: string;
};

export type DumpSpec = {
  /** The core: a file path (streamed, never loaded) or the bytes themselves (small placeholder cores). */
  core: string | Buffer;
  uuid: string;
  /** Seconds since the epoch (the kernel's %t). */
  timestamp: number;
  /** The crashed process's hostname (%h): the pod name in Kubernetes. */
  hostname: string;
  /** %e, e.g. `node`. */
  exe: string;
  pid: number;
  signal: number;
  /** `unknown` means the handler's pod lookup failed: see `zipDump` and `looseDump`. */
  namespace: string;
  pod: string;
  /** Pod uid; derived from namespace and pod when absent. */
  podUid?: string;
  /** The composer's own hostname (`node_hostname`): the Kubernetes node. */
  nodeHostname: string;
  /** The executable's path (%E before the `/` to `!` substitution), e.g. `/usr/local/bin/node`. */
  exePath: string;
  image: ImageSpec;
  /** The pod's containers in `crictl ps` order; one container running `image` when absent. */
  containers?: ContainerSpec[];
  /** Prepended to every key with a `/`, e.g. the operator's `<prefix>/<namespace>`. */
  keyPrefix?: string;
  /** FILENAME_TEMPLATE; `{uuid}-dump-{timestamp}-{hostname}-{exe_name}-{pid}-{signal}` when absent. */
  nameTemplate?: (vars: NameVars) => string;
};

export const TUTORIAL_IMAGE: ImageSpec = {
  repo: "docker.io/number9/example-crashing-nodejs-app",
  tag: "latest",
  digest: "sha256:b8fea40ed9da77307702608d1602a812c5983e0ec0b788fc6298985a40be3800",
  id: "sha256:3b8adc6c30f4e7e4afb57daef9d1c8af783a4a647a4670780e9df085c0525efa",
  size: 338054458,
  uid: null,
  username: "node",
};

export const PAUSE_IMAGE = "registry.k8s.io/pause:3.9";

/**
 * A realistic spec for the tutorial's crashing app, fresh uuid, timestamp now. The default core is a
 * 64-byte placeholder (an ELF ET_CORE header and nothing else): pass `core: (await realCore()).core` for a
 * real one, with its `pid` and `signal`.
 */
export function defaultSpec(overrides: Partial<DumpSpec> = {}): DumpSpec {
  return {
    core: placeholderCore(),
    uuid: randomUUID(),
    timestamp: Math.floor(Date.now() / 1000),
    hostname: "crashing-app-699c49b4ff-86wrh",
    exe: "node",
    pid: 8,
    signal: 5,
    namespace: "default",
    pod: "crashing-app-699c49b4ff-86wrh",
    nodeHostname: "10.0.0.12",
    exePath: "/usr/local/bin/node",
    image: TUTORIAL_IMAGE,
    ...overrides,
  };
}

/** Turns a FILENAME_TEMPLATE string such as `{namespace}-{uuid}` into a `nameTemplate`. */
export function fromTemplate(template: string): (vars: NameVars) => string {
  return (vars) => template.replace(/\{(\w+)\}/g, (_, name: string) => vars[name as keyof NameVars] ?? "");
}

export const DEFAULT_TEMPLATE = fromTemplate("{uuid}-dump-{timestamp}-{hostname}-{exe_name}-{pid}-{signal}");

/** The dump's NAME: the base of every key and zip entry. */
export function dumpName(spec: DumpSpec): string {
  return (spec.nameTemplate ?? DEFAULT_TEMPLATE)(nameVars(spec));
}

function nameVars(spec: DumpSpec): NameVars {
  return {
    uuid: spec.uuid,
    timestamp: String(spec.timestamp),
    hostname: spec.hostname,
    exe_name: spec.exe,
    pid: String(spec.pid),
    signal: String(spec.signal),
    namespace: spec.namespace,
    podname: spec.pod,
    pathname: kernelPathname(spec.exePath),
    limit_size: "18446744073709551615",
    directory: "/var/mnt/core-dump-handler/cores",
  };
}

/** The kernel's %E: the executable's path with `/` replaced by `!`. */
export function kernelPathname(exePath: string): string {
  return exePath.replaceAll("/", "!");
}

function key(spec: DumpSpec, name: string): string {
  const prefix = spec.keyPrefix?.replace(/\/+$/, "");
  return prefix ? `${prefix}/${name}` : name;
}

/** The handler's pod lookup failed: its files are empty or `{}` and the composer stops early. */
function lookupFailed(spec: DumpSpec): boolean {
  return spec.namespace === "unknown" || spec.pod === "unknown";
}

// ---------------------------------------------------------------------------------------------------------
// Era 0 and era 1: loose objects

export type LooseOptions = {
  /** `false`: a bare `NAME.core` (kcdt.sh when the node had no gzip). Default `true`: `NAME.core.gz`, gzip -3. */
  gzip?: boolean;
};

/**
 * Era 1 (kcdt.sh): `NAME.core.gz` (or `NAME.core`), `NAME-dump-info.json`, `NAME-image-info.json` and
 * `NAME-runtime-info.json`. When the pod lookup failed, crictl printed nothing: both info files are empty.
 */
export function looseDump(spec: DumpSpec, options: LooseOptions = {}): StoredObject[] {
  const name = dumpName(spec);
  const ext = options.gzip === false ? "" : ".gz";
  const core = `${name}.core${ext}`;
  const failed = lookupFailed(spec);
  return [
    coreObject(key(spec, core), spec.core, ext === ".gz"),
    text(key(spec, `${name}-dump-info.json`), looseDumpInfo(spec, core, ext)),
    text(key(spec, `${name}-image-info.json`), failed ? "" : imageRow(spec.image)),
    text(key(spec, `${name}-runtime-info.json`), failed ? "" : crictlJson(runtimeInfo(spec))),
  ];
}

/** Era 0 (kcdt v1.0.x): no uuid, no dump info: `dump-…-<sig>.core.gz` and the runtime info as `dump-….json`. */
export function legacyDump(spec: DumpSpec): StoredObject[] {
  const name = `dump-${spec.timestamp}-${spec.hostname}-${spec.exe}-${spec.pid}-${spec.signal}`;
  return [
    coreObject(key(spec, `${name}.core.gz`), spec.core, true),
    text(key(spec, `${name}.json`), lookupFailed(spec) ? "" : crictlJson(runtimeInfo(spec))),
  ];
}

function coreObject(objectKey: string, core: string | Buffer, gzip: boolean): StoredObject {
  if (gzip) return { key: objectKey, open: () => gzipped(core) };
  return typeof core === "string" ? { key: objectKey, path: core } : { key: objectKey, data: core };
}

function gzipped(core: string | Buffer): Readable {
  const source = typeof core === "string" ? createReadStream(core) : new PassThrough().end(core);
  return pipeline(source, createGzip({ level: 3 }), () => {});
}

function text(objectKey: string, body: string): DataObject {
  return { key: objectKey, data: Buffer.from(body) };
}

// ---------------------------------------------------------------------------------------------------------
// Era 2: one zip

export type ZipOptions = {
  /** `v2-6`: one `NAME-image-info.json` per container with no counter, no logs, pod info with `items`. */
  version?: "current" | "v2-6";
  /** yazl's forceZip64Format, on every entry and the end record (the composer's `large_file(true)`). */
  zip64?: boolean;
  /** Handler 7.0 to 8.7: every container written with counter 0, so entry names repeat. */
  duplicateCounters?: boolean;
  /** INCLUDE_PROC_INFO: `NAME-<i>-proc/{auxv,cmdline,environ,maps,status}`. */
  proc?: boolean;
  /** How the core entry is compressed: `deflate` (default) or `store` (compression off). */
  coreCompression?: "deflate" | "store";
};

type ZipEntry = { name: string; body: Buffer | { path: string }; compress: boolean };

/**
 * Era 2: one `NAME.zip`. Entries in the composer's order: dump info, core, pod info, runtime info, ps info,
 * then per container its log and image info (and proc files). When the pod lookup failed, the pod info is
 * `{}` and the composer stops there.
 */
export function zipDump(spec: DumpSpec, options: ZipOptions = {}): StoredObject[] {
  const entries = zipEntries(spec, options);
  const mtime = new Date(spec.timestamp * 1000);
  return [
    {
      key: key(spec, `${dumpName(spec)}.zip`),
      open: () => zipStream(entries, mtime, options.zip64 ?? false),
    },
  ];
}

/** The entry names `zipDump` writes, in order (duplicates included). */
export function zipEntryNames(spec: DumpSpec, options: ZipOptions = {}): string[] {
  return zipEntries(spec, options).map((entry) => entry.name);
}

function zipEntries(spec: DumpSpec, options: ZipOptions): ZipEntry[] {
  const name = dumpName(spec);
  const legacy = options.version === "v2-6";
  const json = (suffix: string, value: unknown): ZipEntry => entry(`${name}${suffix}`, serdeJson(value));
  const core = typeof spec.core === "string" ? { path: spec.core } : spec.core;
  const head = [
    entry(`${name}-dump-info.json`, zipDumpInfo(spec, `${name}.core`)),
    { name: `${name}.core`, body: core, compress: options.coreCompression !== "store" },
  ];
  if (lookupFailed(spec)) return [...head, json("-pod-info.json", {})];

  const pod = podItem(spec);
  const perContainer = containersOf(spec).flatMap((container, index) => {
    const i = options.duplicateCounters ? 0 : index;
    if (legacy) return [json("-image-info.json", imageElement(container.image))];
    return [
      entry(`${name}-${i}.log`, container.log),
      json(`-${i}-image-info.json`, imageElement(container.image)),
      ...(options.proc ? procEntries(spec, `${name}-${i}-proc`) : []),
    ];
  });
  return [
    ...head,
    json("-pod-info.json", legacy ? { items: [pod] } : pod),
    json("-runtime-info.json", runtimeInfo(spec)),
    json("-ps-info.json", psInfo(spec)),
    ...perContainer,
  ];
}

function entry(name: string, body: string | Buffer): ZipEntry {
  return { name, body: typeof body === "string" ? Buffer.from(body) : body, compress: true };
}

function zipStream(entries: ZipEntry[], mtime: Date, zip64: boolean): Readable {
  const zip = new ZipFile();
  for (const { name, body, compress } of entries) {
    // The composer's unix_permissions(0o444) on a regular file.
    const options = { mtime, mode: 0o100444, compress, forceZip64Format: zip64 };
    if (Buffer.isBuffer(body)) zip.addBuffer(body, name, options);
    else zip.addFile(body.path, name, options);
  }
  zip.end({ forceZip64Format: zip64, comment: "" });
  const output = zip.outputStream as PassThrough;
  zip.on("error", (error: Error) => output.destroy(error));
  return output;
}

// ---------------------------------------------------------------------------------------------------------
// The JSON documents, shared by every era

/** kcdt.sh's echo: every value a string, one line. */
function looseDumpInfo(spec: DumpSpec, dumpFile: string, ext: string): string {
  const fields = { uuid: spec.uuid, dump_file: dumpFile, ext, ...processFields(spec) };
  return `{ ${Object.entries(fields)
    .map(([field, value]) => `${JSON.stringify(field)}: ${JSON.stringify(value)}`)
    .join(", ")} }\n`;
}

/** The composer's format! string: every value a string, a literal newline and indent after `timestamp`. */
function zipDumpInfo(spec: DumpSpec, dumpFile: string): string {
  const { timestamp, hostname, exe, real_pid, signal } = processFields(spec);
  const q = JSON.stringify;
  return (
    `{"uuid":${q(spec.uuid)}, "dump_file":${q(dumpFile)}, "timestamp": ${q(timestamp)},\n` +
    `        "hostname": ${q(hostname)}, "exe": ${q(exe)}, "real_pid": ${q(real_pid)}, "signal": ${q(signal)}, ` +
    `"node_hostname": ${q(spec.nodeHostname)}, "path": ${q(kernelPathname(spec.exePath))} }`
  );
}

function processFields(spec: DumpSpec) {
  return {
    timestamp: String(spec.timestamp),
    hostname: spec.hostname,
    exe: spec.exe,
    real_pid: String(spec.pid),
    signal: String(spec.signal),
  };
}

/** One row of `crictl img` as kcdt.sh's awk printed it: id truncated to 13, size human readable. */
function imageRow(image: ImageSpec): string {
  const id = image.id.replace(/^sha256:/, "").slice(0, 13);
  const q = JSON.stringify;
  return `{ "repo":${q(image.repo)}, "tag": ${q(image.tag)}, "id": ${q(id)}, "size": ${q(humanSize(imageSize(image)))} }\n`;
}

/** One element of `crictl img -o json`'s `.images[]`. */
function imageElement(image: ImageSpec) {
  return {
    id: image.id,
    repoTags: [`${image.repo}:${image.tag}`],
    repoDigests: [`${image.repo}@${image.digest}`],
    size: String(imageSize(image)),
    uid: image.uid ?? null,
    username: image.username ?? "",
  };
}

/** One item of `crictl pods --name <hostname> -o json`. */
function podItem(spec: DumpSpec) {
  return {
    id: sandboxId(spec),
    metadata: { name: spec.pod, uid: podUid(spec), namespace: spec.namespace, attempt: 0 },
    state: "SANDBOX_READY",
    createdAt: String(podCreated(spec).getTime() * 1_000_000),
    labels: podLabels(spec),
    annotations: podAnnotations(spec),
    runtimeHandler: "",
  };
}

/** `crictl inspectp -o json <podId>`, trimmed to what matters; `.info.image` is the pause image. */
function runtimeInfo(spec: DumpSpec) {
  const metadata = { attempt: 0, name: spec.pod, namespace: spec.namespace, uid: podUid(spec) };
  return {
    status: {
      id: sandboxId(spec),
      metadata,
      state: "SANDBOX_READY",
      createdAt: podCreated(spec).toISOString(),
      network: { additionalIps: [], ip: "172.30.72.83" },
      labels: podLabels(spec),
      annotations: podAnnotations(spec),
      runtimeHandler: "",
    },
    info: {
      pid: 14017,
      processStatus: "running",
      image: PAUSE_IMAGE,
      runtimeType: "io.containerd.runc.v2",
      config: {
        metadata,
        hostname: spec.hostname,
        labels: podLabels(spec),
        annotations: podAnnotations(spec),
      },
    },
  };
}

/** `crictl ps -o json -p <podId>`. */
function psInfo(spec: DumpSpec) {
  return {
    containers: containersOf(spec).map((container) => ({
      id: container.id,
      podSandboxId: sandboxId(spec),
      metadata: { name: container.name, attempt: 0 },
      image: { image: container.image.id },
      imageRef: container.image.id,
      state: "CONTAINER_RUNNING",
      createdAt: String(podCreated(spec).getTime() * 1_000_000),
      labels: {
        "io.kubernetes.container.name": container.name,
        "io.kubernetes.pod.name": spec.pod,
        "io.kubernetes.pod.namespace": spec.namespace,
        "io.kubernetes.pod.uid": podUid(spec),
      },
      annotations: { "io.kubernetes.container.restartCount": "0" },
    })),
  };
}

function podLabels(spec: DumpSpec): Record<string, string> {
  const parts = spec.pod.split("-");
  return {
    app: parts.length > 2 ? parts.slice(0, -2).join("-") : spec.pod,
    "io.kubernetes.pod.name": spec.pod,
    "io.kubernetes.pod.namespace": spec.namespace,
    "io.kubernetes.pod.uid": podUid(spec),
    ...(parts.length > 2 ? { "pod-template-hash": parts.at(-2) ?? "" } : {}),
  };
}

function podAnnotations(spec: DumpSpec): Record<string, string> {
  return {
    "kubernetes.io/config.seen": podCreated(spec).toISOString(),
    "kubernetes.io/config.source": "api",
  };
}

/** The /proc files of the crashed process, as INCLUDE_PROC_INFO copies them. */
function procEntries(spec: DumpSpec, folder: string): ZipEntry[] {
  // (type, value) pairs of u64: AT_PAGESZ, AT_ENTRY, AT_UID, AT_NULL.
  const auxv = Buffer.from(new BigUint64Array([6n, 4096n, 9n, 0x1000000n, 11n, 1000n, 0n, 0n]).buffer);
  const files: Record<string, string | Buffer> = {
    auxv,
    cmdline: `${spec.exe}\0--abort-on-uncaught-exception\0/app/server.js\0`,
    environ: `PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\0HOSTNAME=${spec.hostname}\0HOME=/home/node\0`,
    maps: `00400000-04e32000 r-xp 00000000 00:2f 1843 ${spec.exePath}\n7ffd1c3e0000-7ffd1c401000 rw-p 00000000 00:00 0 [stack]\n`,
    status: `Name:\t${spec.exe}\nState:\tR (running)\nTgid:\t${spec.pid}\nPid:\t${spec.pid}\nPPid:\t0\nThreads:\t11\n`,
  };
  return Object.entries(files).map(([file, body]) => entry(`${folder}/${file}`, body));
}

type ResolvedContainer = { name: string; id: string; image: ImageSpec; log: string };

function containersOf(spec: DumpSpec): ResolvedContainer[] {
  const containers = spec.containers ?? [{ name: "example-crashing-nodejs-app" }];
  return containers.map((container, index) => ({
    name: container.name,
    id: container.id ?? hex(`container:${spec.namespace}/${spec.pod}/${index}`),
    image: container.image ?? spec.image,
    log: container.log ?? crashLog(),
  }));
}

function crashLog(): string {
  return [
    "Server running at http://0.0.0.0:3000/",
    "Uncaught TypeError: res.not_a_function is not a function",
    "",
    "FROM",
    "Server.myRequestListener (/app/server.js:9:7)",
    "Server.emit (node:events:524:28)",
    "parserOnIncoming (node:_http_server:1139:12)",
    "HTTPParser.parserOnHeadersComplete (node:_http_common:118:17)",
    "",
  ].join("\n");
}

function sandboxId(spec: DumpSpec): string {
  return hex(`sandbox:${spec.namespace}/${spec.pod}`);
}

function podUid(spec: DumpSpec): string {
  if (spec.podUid) return spec.podUid;
  const h = hex(`uid:${spec.namespace}/${spec.pod}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The pod started an hour before the crash. */
function podCreated(spec: DumpSpec): Date {
  return new Date((spec.timestamp - 3600) * 1000);
}

function imageSize(image: ImageSpec): number {
  return image.size ?? 338054458;
}

/** docker/go-units HumanSizeWithPrecision(size, 3), as `crictl img` prints it: `338MB`, `2.8MB`. */
export function humanSize(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB", "PB"];
  let size = bytes;
  let unit = 0;
  while (size >= 1000 && unit < units.length - 1) {
    size /= 1000;
    unit += 1;
  }
  return `${Number(size.toPrecision(3))}${units[unit]}`;
}

/** crictl's output: indented by two, newline at the end. */
function crictlJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** serde_json::Value::to_string(): compact, keys sorted (its default map is a BTreeMap). */
function serdeJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([field, inner]) => [field, sortKeys(inner)]));
}

function hex(seed: string): string {
  return createHash("sha256").update(seed).digest("hex");
}

/** A 64-byte ELF64 little-endian x86-64 header with e_type ET_CORE and no program headers. */
function placeholderCore(): Buffer {
  const header = Buffer.alloc(64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(header, 0);
  header.writeUInt16LE(4, 16); // e_type = ET_CORE
  header.writeUInt16LE(62, 18); // e_machine = EM_X86_64
  header.writeUInt32LE(1, 20); // e_version
  header.writeUInt16LE(64, 52); // e_ehsize
  header.writeUInt16LE(56, 54); // e_phentsize
  return header;
}
