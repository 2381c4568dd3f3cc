import { randomUUID } from "node:crypto";
import {
  type DumpSpec,
  defaultSpec,
  legacyDump,
  looseDump,
  type StoredObject,
  zipDump,
} from "./handler-layout.js";

const HOUR = 3600;

/** One dump of the scenario: how it was made, and what the catalog must say of it. */
export interface ScenarioDump {
  id: string;
  spec: DumpSpec;
  layout: "loose" | "zip";
  state: string;
  /** What `list` says where it differs from `info`: a listing judges dump-info by its size alone. */
  listState?: string;
  namespace: string | null;
}

/**
 * A bucket as users have them: every era side by side, keys under an operator's prefix, hyphenated
 * names, and the broken dumps the handler leaves behind. Ordered newest first.
 */
export function catalogScenario(core: string, now = Math.floor(Date.now() / 1000)) {
  const at = (hoursAgo: number) => now - hoursAgo * HOUR;
  const spec = (hoursAgo: number, overrides: Partial<DumpSpec>) =>
    defaultSpec({ core, timestamp: at(hoursAgo), signal: 5, ...overrides });
  const dumps: Array<ScenarioDump & { objects: StoredObject[] }> = [];
  const add = (
    layout: "loose" | "zip",
    state: string,
    specification: DumpSpec,
    objects: StoredObject[],
    listState?: string,
  ) =>
    dumps.push({
      id: specification.uuid,
      spec: specification,
      layout,
      state,
      ...(listState ? { listState } : {}),
      // Nothing can be read of a corrupt zip; `unknown` is the handler's word for "no namespace".
      namespace:
        state === "corrupt" || specification.namespace === "unknown" ? null : specification.namespace,
      objects,
    });

  const teamA = spec(0.5, {
    namespace: "team-a",
    hostname: "pay-api-5d8f7c9b6-x2kq9",
    pod: "pay-api-5d8f7c9b6-x2kq9",
    exe: "my-server",
    exePath: "/app/bin/my-server",
    keyPrefix: "cores/team-a/",
  });
  add("zip", "present", teamA, zipDump(teamA));
  const zipped = spec(1, {
    namespace: "shop",
    containers: [{ name: "app", log: "listening on 8080\n" }, { name: "sidecar" }],
  });
  add("zip", "present", zipped, zipDump(zipped, { duplicateCounters: true }));
  const loose = spec(2, { namespace: "default" });
  add("loose", "present", loose, looseDump(loose));
  const bare = spec(3, { namespace: "default", signal: 11 });
  add("loose", "present", bare, looseDump(bare, { gzip: false }));
  const unknown = spec(4, { namespace: "unknown", pod: "unknown" });
  add("zip", "present", unknown, zipDump(unknown));
  const malformed = spec(5, {});
  add(
    "loose",
    "bad info",
    malformed,
    withBody(looseDump(malformed), "-dump-info.json", "{ not json"),
    "present",
  );
  const noCore = spec(6, {});
  add(
    "loose",
    "no core",
    noCore,
    looseDump(noCore).filter((object) => !object.key.endsWith(".core.gz")),
  );
  const twinA = spec(7, { uuid: `abcd0000${randomUUID().slice(8)}` });
  add("loose", "present", twinA, looseDump(twinA));
  const twinB = spec(8, { uuid: `abcd1111${randomUUID().slice(8)}` });
  add("loose", "present", twinB, looseDump(twinB));
  const corrupt = spec(9, {});
  add("zip", "corrupt", corrupt, [
    { key: `${corrupt.uuid}-dump-${corrupt.timestamp}-h-node-1-5.zip`, data: Buffer.from("PK not really") },
  ]);

  const legacySpec = spec(240, { hostname: "old-app-1", namespace: "default" });
  const legacy = legacyDump(legacySpec);
  const legacyStem = (legacy[0]?.key ?? "").replace(/\.core\.gz$/, "");
  const stray: StoredObject[] = [{ key: "README.md", data: Buffer.from("not a dump") }];
  return {
    dumps,
    legacy: { stem: legacyStem, objects: legacy },
    objects: [...dumps.flatMap((dump) => dump.objects), ...legacy, ...stray],
  };
}

function withBody(objects: StoredObject[], suffix: string, body: string): StoredObject[] {
  return objects.map((object) =>
    object.key.endsWith(suffix) ? { key: object.key, data: Buffer.from(body) } : object,
  );
}
