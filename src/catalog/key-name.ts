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

/**
 * The folder that holds what coredump writes beside the dumps (triage records): never a dump's, whatever
 * its keys end in. A Kubernetes namespace never begins with a dot, nor does a handler's folder.
 */
export const RECORDS_FOLDER = ".coredump-triage/";

const NESTED_RECORDS_FOLDER = `/${RECORDS_FOLDER}`;

/** Whether a key lies in a records folder, at the root or under any folder. */
export function isRecordsKey(key: string): boolean {
  return key.startsWith(RECORDS_FOLDER) || key.includes(NESTED_RECORDS_FOLDER);
}

export function classifyKey(key: string): ClassifiedKey | undefined {
  if (isRecordsKey(key)) return undefined;
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

/**
 * Reads the default template `{uuid}-dump-{timestamp}-{hostname}-{exe_name}-{pid}-{signal}`, and the older
 * uuid-less one. A custom template yields at least the uuid when the name holds one. `hostname`, where what
 * was read names it (the pod's name, dump-info's hostname), decides where the hostname ends and the
 * executable begins: both may hold hyphens (see `splitHostAndExe`).
 */
export function parseStem(stem: string, hostname?: string): NameFields {
  const match = UUID_NAME.exec(stem) ?? LEGACY_NAME.exec(stem);
  if (!match?.groups) {
    const uuid = ANY_UUID.exec(stem)?.[0];
    return uuid ? { uuid: uuid.toLowerCase() } : {};
  }
  const { uuid, timestamp, rest = "", pid, signal } = match.groups;
  const split = splitAfter(rest, hostname) ?? splitHostAndExe(rest);
  // A literal of one shape: an object spread here cost a listing of 10,000 dumps a tenth of a second.
  const fields: NameFields = {
    timestamp: Number(timestamp),
    hostname: split.hostname,
    exe: oneCopy(split.exe),
    pid: Number(pid),
    signal: Number(signal),
  };
  if (uuid) fields.uuid = uuid.toLowerCase();
  return fields;
}

/**
 * Whether the name's hostname and executable can be told apart only by what the dump's JSON says: its
 * hostname-and-executable part splits in more than one place (`app-7d9c8-p3q4r-my-node-app`), and
 * `hostname` (what was read of it, if anything) does not begin it.
 */
export function hostAndExeAmbiguous(stem: string, hostname?: string): boolean {
  const rest = (UUID_NAME.exec(stem) ?? LEGACY_NAME.exec(stem))?.groups?.rest;
  if (rest === undefined || splitAfter(rest, hostname)) return false;
  return rest.indexOf("-") !== rest.lastIndexOf("-");
}

/**
 * Every way the name's hostname and executable may be split, for a filter on a dump known by its name alone:
 * which is right is for its JSON to say.
 */
export function possibleHostsAndExes(stem: string): Array<{ hostname: string; exe: string }> {
  const rest = (UUID_NAME.exec(stem) ?? LEGACY_NAME.exec(stem))?.groups?.rest;
  if (rest === undefined) return [];
  const splits: Array<{ hostname: string; exe: string }> = [];
  for (let at = rest.indexOf("-"); at > 0; at = rest.indexOf("-", at + 1))
    splits.push({ hostname: rest.slice(0, at), exe: rest.slice(at + 1) });
  return splits;
}

/** The split after a hostname known from what was read, where the name begins with it and an executable follows. */
function splitAfter(
  rest: string,
  hostname: string | undefined,
): { hostname: string; exe: string } | undefined {
  if (hostname === undefined || rest.length <= hostname.length + 1) return undefined;
  if (rest.charCodeAt(hostname.length) !== 45 /* - */ || !rest.startsWith(hostname)) return undefined;
  return { hostname, exe: rest.slice(hostname.length + 1) };
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
 * taken to be the last part. A guess: where the dump's JSON was read, it decides (see `parseStem`).
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
