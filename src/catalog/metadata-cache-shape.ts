/**
 * Whether a row read back from the metadata cache has the shapes the code that uses it relies on. The file
 * is JSON anyone with the home folder can write, or that another version of coredump wrote: a row of valid
 * JSON with a number where a list belongs would throw in every later `list` and `groups`. Each check
 * returns what is wrong, or undefined.
 */

type Check = (value: unknown) => string | undefined;

const STATES = new Set(["ok", "missing", "malformed", "denied", "corrupt"]);

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

const text: Check = (value) => (typeof value === "string" ? undefined : "not a text");
const number: Check = (value) =>
  typeof value === "number" && Number.isFinite(value) ? undefined : "not a number";
const boolean: Check = (value) => (typeof value === "boolean" ? undefined : "not a boolean");

function listOf(item: Check): Check {
  return (value) => {
    if (!Array.isArray(value)) return "not a list";
    for (const element of value) {
      const wrong = item(element);
      if (wrong) return wrong;
    }
    return undefined;
  };
}

function namesOf(value: unknown): string | undefined {
  if (!isObject(value)) return "not an object";
  for (const name in value) if (typeof value[name] !== "string") return `${name}: not a text`;
  return undefined;
}

/** An object whose `required` fields are present and whose every known field, where present, is right. */
function objectOf(fields: Record<string, Check>, required: readonly string[] = []): Check {
  return (value) => {
    if (!isObject(value)) return "not an object";
    for (const name of required) if (value[name] === undefined) return `${name}: missing`;
    for (const [name, check] of Object.entries(fields)) {
      const wrong = value[name] === undefined ? undefined : check(value[name]);
      if (wrong) return `${name}: ${wrong}`;
    }
    return undefined;
  };
}

/** A crash's facts (`CrashFacts`), from a log or a report. */
export const crashFactsProblem: Check = objectOf(
  {
    kind: text,
    errorType: text,
    message: text,
    frames: listOf(text),
    library: text,
    at: listOf(
      objectOf({ function: text, file: text, line: number, column: number }, [
        "function",
        "file",
        "line",
        "column",
      ]),
    ),
  },
  ["kind", "frames"],
);

/** A row's images (`ImageInfo[]`), shared between rows. */
export const imagesProblem: Check = listOf(
  objectOf(
    {
      container: number,
      id: text,
      repoTags: listOf(text),
      repoDigests: listOf(text),
      size: number,
      username: text,
    },
    ["repoTags", "repoDigests"],
  ),
);

/** A row's metadata (`DumpMetadata`), its images and crash already checked by the checks above. */
export const metadataProblem: Check = objectOf(
  {
    state: (value) => (typeof value === "string" && STATES.has(value) ? undefined : "not a state"),
    dumpInfo: objectOf({
      uuid: text,
      dumpFile: text,
      timestamp: number,
      hostname: text,
      exe: text,
      pid: number,
      signal: number,
      nodeHostname: text,
      exePath: text,
    }),
    pod: objectOf({ namespace: text, pod: text, podUid: text, labels: namesOf, annotations: namesOf }, [
      "labels",
      "annotations",
    ]),
    containers: listOf(
      objectOf({ index: number, id: text, name: text, image: text, imageRef: text }, ["index"]),
    ),
    entries: listOf(
      objectOf({ name: text, compressedSize: number, uncompressedSize: number, compressionMethod: number }, [
        "name",
        "compressedSize",
        "uncompressedSize",
        "compressionMethod",
      ]),
    ),
    problems: listOf(text),
    machine: text,
    fileNote: boolean,
    partial: (value) => (value === true ? undefined : "not true"),
  },
  ["state", "containers", "problems"],
);
