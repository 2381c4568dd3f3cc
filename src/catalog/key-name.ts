/** What one object of a dump is, judged from its key alone. */
export type ObjectRole = "core" | "zip" | "dump-info" | "image-info" | "runtime-info" | "legacy-info";

export interface ClassifiedKey {
  /** The key's folder, `""` at the bucket root, else ending in `/`. */
  folder: string;
  /** The dump's name: what every object of the dump shares. */
  stem: string;
  role: ObjectRole;
  /** For cores: how the core is compressed, judged from its extension. */
  compression?: Compression;
}

export type Compression = "gzip" | "none" | "lz4" | "lzo" | "zip";

/** What the name alone says of a dump. Best guesses: the JSON inside the dump is the truth. */
export interface NameFields {
  uuid?: string;
  timestamp?: number;
  hostname?: string;
  exe?: string;
  pid?: number;
  signal?: number;
}

const SUFFIXES: ReadonlyArray<[string, ObjectRole, Compression?]> = [
  [".core.gz", "core", "gzip"],
  [".core.lz4", "core", "lz4"],
  [".core.lzo", "core", "lzo"],
  [".core", "core", "none"],
  [".zip", "zip", "zip"],
  ["-dump-info.json", "dump-info"],
  ["-image-info.json", "image-info"],
  ["-runtime-info.json", "runtime-info"],
  [".json", "legacy-info"],
];

export function classifyKey(key: string): ClassifiedKey | undefined {
  const slash = key.lastIndexOf("/");
  const folder = key.slice(0, slash + 1);
  const base = key.slice(slash + 1);
  for (const [suffix, role, compression] of SUFFIXES) {
    if (base.length > suffix.length && base.endsWith(suffix)) {
      const stem = base.slice(0, -suffix.length);
      return compression ? { folder, stem, role, compression } : { folder, stem, role };
    }
  }
  return undefined;
}

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const UUID_NAME = new RegExp(
  `^(?<uuid>${UUID})-dump-(?<timestamp>\\d+)-(?<rest>.+)-(?<pid>\\d+)-(?<signal>\\d+)$`,
  "i",
);
const LEGACY_NAME = /^dump-(?<timestamp>\d+)-(?<rest>.+)-(?<pid>\d+)-(?<signal>\d+)$/;
const ANY_UUID = new RegExp(UUID, "i");
/** The random suffix Kubernetes gives pod names (`-86wrh`): an alphabet without vowels and look-alikes. */
const POD_SUFFIX = /^[bcdfghjklmnpqrstvwxz2456789]{5}$/;

/** Reads the default template `{uuid}-dump-{timestamp}-{hostname}-{exe_name}-{pid}-{signal}`, and the older
 * uuid-less one. A custom template yields at least the uuid when the name holds one. */
export function parseStem(stem: string): NameFields {
  const match = UUID_NAME.exec(stem) ?? LEGACY_NAME.exec(stem);
  if (!match?.groups) {
    const uuid = ANY_UUID.exec(stem)?.[0];
    return uuid ? { uuid: uuid.toLowerCase() } : {};
  }
  const { uuid, timestamp, rest = "", pid, signal } = match.groups;
  const { hostname, exe } = splitHostAndExe(rest);
  // A literal of one shape: an object spread here cost a listing of 10,000 dumps a tenth of a second.
  const fields: NameFields = {
    timestamp: Number(timestamp),
    hostname,
    exe: oneCopy(exe),
    pid: Number(pid),
    signal: Number(signal),
  };
  if (uuid) fields.uuid = uuid.toLowerCase();
  return fields;
}

/** A bucket's few executables (`node`, `java`): one copy of each name, for its first thousand names. */
const EXECUTABLES = new Map<string, string>();

function oneCopy(exe: string): string {
  const shared = EXECUTABLES.get(exe);
  if (shared !== undefined) return shared;
  if (EXECUTABLES.size < 1000) EXECUTABLES.set(exe, exe);
  return exe;
}

/**
 * Hostnames and executable names may both hold hyphens. A pod's hostname usually ends in its random
 * five-character suffix, so the split goes after the last such part; failing that the executable is
 * taken to be the last part.
 */
export function splitHostAndExe(rest: string): { hostname: string; exe: string } {
  const parts = rest.split("-");
  if (parts.length === 1) return { hostname: rest, exe: rest };
  let split = parts.length - 1;
  for (let index = parts.length - 2; index >= 1; index--) {
    if (POD_SUFFIX.test(parts[index] ?? "")) {
      split = index + 1;
      break;
    }
  }
  return { hostname: parts.slice(0, split).join("-"), exe: parts.slice(split).join("-") };
}
