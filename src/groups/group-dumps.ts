import type { Dump } from "../catalog/dump.js";
import { type CrashFacts, crashSignature } from "../crashlog/crash-signature.js";

/** One crash and every dump it left: what `groups --json` prints, largest first. */
export interface CrashGroup {
  signature: string;
  kind: string;
  /** The newest dump's title: `TypeError: res.not_a_function is not a function at myRequestListener (server.js)`. */
  title: string;
  count: number;
  /** How many of its dumps a triage record describes (`coredump triage`): the share read from cores. */
  triaged: number;
  /** Crash times, ISO 8601: the oldest and the newest. */
  first: string | null;
  last: string | null;
  namespaces: string[];
  pods: string[];
  /** The executable most of the group's dumps ran. */
  exe: string | null;
  images: string[];
  /** Every dump's id, newest first. */
  ids: string[];
}

/** A group while dumps are added: sets, not arrays, so that 10,000 pods cost no quadratic search. */
interface Gathering {
  signature: string;
  kind: string;
  title: string;
  ids: string[];
  triaged: number;
  first: number;
  last: number;
  namespaces: Set<string>;
  pods: Set<string>;
  images: Set<string>;
  exes: Map<string, number>;
}

/**
 * Groups dumps by crash signature: the crash a report found, else the one the container log tells of,
 * else how the process died. `dumps` newest first; `reported` gives a dump's crash from a triage record or
 * a cached report, if any; `triaged` whether a triage record describes it.
 */
export function groupDumps(
  dumps: readonly Dump[],
  reported: (dump: Dump) => CrashFacts | undefined = () => undefined,
  triaged: (dump: Dump) => boolean = () => false,
): CrashGroup[] {
  const groups = new Map<string, Gathering>();
  for (const dump of dumps) {
    const crash = reported(dump) ?? dump.metadata?.crash;
    const death = {
      ...(dump.signalName ? { signalName: dump.signalName } : {}),
      ...(dump.exe ? { exe: dump.exe } : {}),
    };
    const { signature, kind, title } = crashSignature(crash, death);
    let group = groups.get(signature);
    if (!group) {
      group = {
        signature,
        kind,
        title,
        ids: [],
        triaged: 0,
        first: Number.POSITIVE_INFINITY,
        last: Number.NEGATIVE_INFINITY,
        namespaces: new Set(),
        pods: new Set(),
        images: new Set(),
        exes: new Map(),
      };
      groups.set(signature, group);
    }
    group.ids.push(dump.id);
    if (triaged(dump)) group.triaged++;
    const time = dump.time;
    if (time !== undefined) {
      group.first = Math.min(group.first, time);
      group.last = Math.max(group.last, time);
    }
    if (dump.namespace !== null) group.namespaces.add(dump.namespace);
    const pod = dump.pod ?? dump.hostname;
    if (pod) group.pods.add(pod);
    for (const image of dump.metadata?.images ?? []) {
      const name = image.repoTags[0] ?? image.repoDigests[0] ?? image.id;
      if (name) group.images.add(name);
    }
    if (dump.exe) group.exes.set(dump.exe, (group.exes.get(dump.exe) ?? 0) + 1);
  }
  return [...groups.values()].map(finish).sort(largestFirst);
}

function finish(group: Gathering): CrashGroup {
  const sorted = (values: Set<string>) => [...values].sort((a, b) => a.localeCompare(b));
  const time = (value: number) => (Number.isFinite(value) ? new Date(value).toISOString() : null);
  return {
    signature: group.signature,
    kind: group.kind,
    title: group.title,
    count: group.ids.length,
    triaged: group.triaged,
    first: time(group.first),
    last: time(group.last),
    namespaces: sorted(group.namespaces),
    pods: sorted(group.pods),
    exe: [...group.exes].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null,
    images: sorted(group.images),
    ids: group.ids,
  };
}

function largestFirst(a: CrashGroup, b: CrashGroup): number {
  return b.count - a.count || (b.last ?? "").localeCompare(a.last ?? "");
}
