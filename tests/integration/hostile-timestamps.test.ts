import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { coredump, json } from "../support/cli.js";
import { defaultSpec, writeToDirectory, zipDump } from "../support/handler-layout.js";
import { headEntries, stemOf, zipOf } from "../support/hostile-dump.js";

interface Listed {
  id: string;
  timestamp: string | null;
  state: string;
  problems?: string[];
}

describe("hostile #8: a timestamp out of a Date's range is that dump's problem, not the bucket's", () => {
  const good = defaultSpec();
  // 10^16 s is past year 275760, the last a Date holds; the key name carries it too.
  const bad = { uuid: crypto.randomUUID(), timestamp: "10000000000000000" };
  let args: string[];

  before(async () => {
    const folder = await mkdtemp(path.join(tmpdir(), "coredump-cores-"));
    const stem = stemOf(bad.uuid, bad.timestamp);
    const zip = await zipOf(headEntries(bad.uuid, stem, { timestamp: bad.timestamp }));
    await writeToDirectory([...zipDump(good), { key: `${stem}.zip`, data: zip }], folder);
    args = ["--dir", folder];
  });

  it("list --json and info --json work: null time, state bad info, the reason in problems", async () => {
    const listed = json<Listed[]>(await coredump(["list", "--json", ...args]));
    const entry = listed.find((dump) => dump.id === bad.uuid);
    assert.equal(entry?.timestamp, null);
    assert.equal(entry?.state, "bad info");
    assert.ok(listed.find((dump) => dump.id === good.uuid)?.timestamp);
    const info = await coredump(["info", bad.uuid, "--json", ...args]);
    assert.equal(info.exitCode, 0, info.stderr);
    assert.match(json<Listed>(info).problems?.join("\n") ?? "", /timestamp 10000000000000000 is not a time/);
  });

  it("the table shows - and --since leaves the dump out", async () => {
    const table = await coredump(["list", ...args]);
    assert.equal(table.exitCode, 0, table.stderr);
    assert.doesNotMatch(table.stdout, /NaN/);
    assert.match(table.stdout, new RegExp(`${bad.uuid.slice(0, 8)}\\s+-\\s`));
    const recent = json<Listed[]>(await coredump(["list", "--since", "1h", "--json", ...args]));
    assert.deepEqual(
      recent.map((dump) => dump.id),
      [good.uuid],
    );
  });
});
