import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { catalogScenario } from "./catalog-scenario.js";
import { coredump, freshCacheHome, json } from "./cli.js";
import { defaultSpec, looseDump, type StoredObject, zipDump } from "./handler-layout.js";
import { realCore } from "./real-core.js";

interface ListedDump {
  id: string;
  timestamp: string | null;
  namespace: string | null;
  pod: string | null;
  hostname: string | null;
  exe: string | null;
  signal: number | null;
  signalName: string | null;
  size: number;
  layout: string;
  state: string;
  complete: boolean;
  keys: string[];
}

/**
 * What `list` and `info` promise whatever the store: the same scenario, put wherever `place` puts it,
 * read through the flags and environment `place` returns.
 */
export function catalogContract(
  storeName: string,
  place: (objects: StoredObject[]) => Promise<{ args: string[]; env: Record<string, string> }>,
): void {
  describe(`list and info on ${storeName}`, () => {
    let scenario: ReturnType<typeof catalogScenario>;
    let run: (args: string[]) => ReturnType<typeof coredump>;

    before(async () => {
      scenario = catalogScenario((await realCore()).core);
      const { args, env } = await place(scenario.objects);
      run = (more) => coredump([...more, ...args], env);
    });

    it("lists every dump of every era, newest first, with the contract's fields", async () => {
      const result = await run(["list", "--json"]);
      assert.equal(result.exitCode, 0, result.stderr);
      const listed = json<ListedDump[]>(result);
      const expected = scenario.dumps.map((dump) => dump.id);
      assert.deepEqual(
        listed.map((dump) => dump.id),
        [...expected, scenario.legacy.stem],
      );
      for (const dump of scenario.dumps) {
        const found = listed.find((item) => item.id === dump.id);
        assert.ok(found, dump.id);
        assert.equal(found.layout, dump.layout, dump.id);
        const state = dump.listState ?? dump.state;
        assert.equal(found.state, state, dump.id);
        assert.equal(found.namespace, dump.namespace, dump.id);
        assert.equal(found.complete, state === "present", dump.id);
        assert.equal(found.timestamp, new Date(dump.spec.timestamp * 1000).toISOString());
        assert.ok(found.keys.length >= 1);
      }
      const zipped = listed.find((item) => item.id === scenario.dumps[0]?.id);
      assert.equal(zipped?.exe, "my-server");
      assert.equal(zipped?.pod, "pay-api-5d8f7c9b6-x2kq9");
      assert.equal(zipped?.signalName, "SIGTRAP");
      assert.equal(listed.find((item) => item.id === scenario.dumps[3]?.id)?.signalName, "SIGSEGV");
      assert.equal(
        listed.find((item) => item.id === scenario.dumps[4]?.id)?.pod,
        null,
        "unknown pod is null",
      );
      const legacy = listed.at(-1);
      assert.equal(legacy?.exe, "node");
      assert.equal(legacy?.state, "present");
    });

    it("prints a table with short ids and states", async () => {
      const result = await run(["list"]);
      assert.equal(result.exitCode, 0, result.stderr);
      const lines = result.stdout.trim().split("\n");
      assert.match(lines[0] ?? "", /^ID\s+TIME\s+NAMESPACE\s+POD\s+EXE\s+SIGNAL\s+SIZE\s+STATE$/);
      assert.equal(lines.length, scenario.dumps.length + 2);
      assert.match(
        result.stdout,
        new RegExp(`${scenario.dumps[0]?.id.slice(0, 8)}\\s.*team-a\\s+pay-api-\\S+\\s+my-server\\s+SIGTRAP`),
      );
      assert.match(result.stdout, /abcd0000\s/);
      assert.match(result.stdout, /no core\n|no core$/m);
    });

    it("filters by namespace, pod, executable, signal and time, and -1 keeps the newest", async () => {
      const ids = async (...flags: string[]) =>
        json<ListedDump[]>(await run(["list", "--json", ...flags])).map((d) => d.id);
      assert.deepEqual(await ids("--namespace", "shop"), [scenario.dumps[1]?.id]);
      assert.deepEqual(await ids("--namespace", "team-*"), [scenario.dumps[0]?.id]);
      assert.deepEqual(await ids("--exe", "my-server"), [scenario.dumps[0]?.id]);
      assert.deepEqual(await ids("--signal", "SIGSEGV"), [scenario.dumps[3]?.id]);
      assert.deepEqual(await ids("--pod", "pay-api-*"), [scenario.dumps[0]?.id]);
      assert.deepEqual(await ids("--since", "90m"), [scenario.dumps[0]?.id, scenario.dumps[1]?.id]);
      assert.equal((await ids("--until", "100h")).length, 1);
      assert.deepEqual(await ids("-1"), [scenario.dumps[0]?.id]);
      assert.deepEqual(await ids("-n", "2", "--namespace", "default"), [
        scenario.dumps[2]?.id,
        scenario.dumps[3]?.id,
      ]);
    });

    it("says so and exits 1 when nothing matches, 2 on bad filters", async () => {
      const none = await run(["list", "--namespace", "nowhere"]);
      assert.equal(none.exitCode, 1);
      assert.match(none.stderr, /no dump matches/);
      assert.equal(none.stdout, "");
      const bad = await run(["list", "--since", "last tuesday"]);
      assert.equal(bad.exitCode, 2);
      assert.match(bad.stderr, /--since/);
    });

    it("resolves ids: full, prefix, last, and names the candidates of an ambiguous prefix", async () => {
      const newest = scenario.dumps[0];
      for (const id of [newest?.id ?? "", newest?.id.slice(0, 6) ?? "", "last"]) {
        const result = await run(["info", id, "--json"]);
        assert.equal(result.exitCode, 0, result.stderr);
        assert.equal(json<{ id: string }>(result).id, newest?.id);
      }
      const ambiguous = await run(["info", "abcd"]);
      assert.equal(ambiguous.exitCode, 1);
      assert.match(ambiguous.stderr, /matches 2 dumps/);
      assert.match(ambiguous.stderr, new RegExp(scenario.dumps[7]?.id ?? "-"));
      assert.match(ambiguous.stderr, new RegExp(scenario.dumps[8]?.id ?? "-"));
      assert.equal((await run(["info", "abc"])).exitCode, 2);
      assert.equal((await run(["info", "ffffffff-0000"])).exitCode, 1);
      const noId = await run(["info"]);
      assert.equal(noId.exitCode, 2);
      assert.match(noId.stderr, /give an id/);
    });

    it("info shows pod, containers, images and files of a zip dump", async () => {
      const dump = scenario.dumps[1];
      const result = await run(["info", dump?.id ?? "", "--json"]);
      assert.equal(result.exitCode, 0, result.stderr);
      const detail = json<{
        namespace: string;
        labels: Record<string, string>;
        containers: Array<{ name: string }>;
        images: Array<{ container: number; repoDigests: string[] }>;
        entries: Array<{ name: string }>;
        exePath: string;
      }>(result);
      assert.equal(detail.namespace, "shop");
      assert.deepEqual(
        detail.containers.map((container) => container.name),
        ["app", "sidecar"],
      );
      assert.deepEqual(
        detail.images.map((image) => image.container),
        [0, 1],
        "duplicate entry names are told apart",
      );
      assert.match(detail.images[0]?.repoDigests[0] ?? "", /@sha256:/);
      assert.equal(detail.exePath, "/usr/local/bin/node");
      assert.ok(detail.entries.some((entry) => entry.name.endsWith(".core")));
      const human = await run(["info", dump?.id ?? ""]);
      assert.match(human.stdout, /namespace\s+shop/);
      assert.match(human.stdout, /signal\s+SIGTRAP \(5\)/);
      assert.match(human.stdout, /state\s+present/);
    });

    it("tells a hyphenated executable from its hostname by what it read, cold and warm (loose dumps of 2020, zips)", async () => {
      const { core, pid, signal } = await realCore();
      const named = { hostname: "my-node-app-7d9c8b6f5-p3q4r", exe: "my-node-app", core, pid, signal };
      // The pod's name decides the split; where the pod lookup failed, dump-info does.
      const withPod = { ...named, pod: named.hostname };
      const noPod = { ...named, pod: "unknown", namespace: "unknown" };
      const dumps = [
        { spec: defaultSpec({ ...withPod, timestamp: 1588462466 }), layout: looseDump, pod: named.hostname },
        { spec: defaultSpec({ ...noPod, timestamp: 1588462400 }), layout: looseDump, pod: null },
        { spec: defaultSpec({ ...withPod, timestamp: 1588462300 }), layout: zipDump, pod: named.hostname },
        { spec: defaultSpec({ ...noPod, timestamp: 1588462200 }), layout: zipDump, pod: null },
      ];
      const { args, env } = await place(dumps.flatMap(({ spec, layout }) => layout(spec)));
      const cache = { ...env, XDG_CACHE_HOME: freshCacheHome() };
      for (const pass of ["cold", "warm"]) {
        const result = await coredump(["list", "--json", ...args], cache);
        assert.equal(result.exitCode, 0, result.stderr);
        assert.deepEqual(
          json<ListedDump[]>(result).map(({ id, hostname, pod, exe }) => ({ id, hostname, pod, exe })),
          dumps.map(({ spec, pod }) => ({ id: spec.uuid, hostname: named.hostname, pod, exe: named.exe })),
          pass,
        );
        const byExe = await coredump(
          ["list", "--json", "--exe", named.exe, ...args],
          pass === "cold" ? env : cache,
        );
        assert.equal(byExe.exitCode, 0, byExe.stderr);
        assert.deepEqual(
          json<ListedDump[]>(byExe).map((dump) => dump.id),
          dumps.map(({ spec }) => spec.uuid),
          pass,
        );
      }
    });

    it("info names what is wrong with a broken dump", async () => {
      const result = await run(["info", scenario.dumps[5]?.id ?? "", "--json"]);
      assert.equal(result.exitCode, 0, result.stderr);
      const detail = json<{ state: string; problems: string[] }>(result);
      assert.equal(detail.state, "bad info");
      assert.match(detail.problems.join(" "), /dump-info\.json: not valid JSON/);
    });
  });
}
