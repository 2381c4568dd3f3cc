import assert from "node:assert/strict";
import { homedir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { REGISTRY_RETRY_LIMITS } from "../../src/image/retry-policy.js";
import { LIMITS, readSettings } from "../../src/settings.js";

describe("settings: the environment read once", () => {
  it("defaults without any variable", () => {
    const settings = readSettings({});
    assert.equal(settings.cacheDir, path.join(homedir(), ".cache", "coredump"));
    assert.equal(settings.workdir, path.join(homedir(), "work"));
    assert.equal(settings.gdb, "gdb");
    assert.deepEqual(settings.pullSecrets, []);
    assert.equal(settings.limits.debuggerBatchMs, 300_000);
    assert.equal(settings.limits.storeReadMs, 30_000);
    assert.deepEqual(settings.limits.registry, REGISTRY_RETRY_LIMITS);
  });

  it("takes each variable, and a limit's override only when it is a positive number", () => {
    const settings = readSettings({
      XDG_CACHE_HOME: "/var/cache",
      COREDUMP_WORKDIR: "/srv/work",
      COREDUMP_PULL_SECRETS: "/a:/b",
      LLNODE_PLUGIN: "/p/llnode.so",
      [LIMITS.debuggerBatch.variable]: "20",
      [LIMITS.registryAttempts.variable]: "2",
      [LIMITS.registryStall.variable]: "0.5",
      [LIMITS.storeRead.variable]: "-3",
    });
    assert.equal(settings.cacheDir, "/var/cache/coredump");
    assert.equal(settings.workdir, "/srv/work");
    assert.deepEqual(settings.pullSecrets, ["/a", "/b"]);
    assert.equal(settings.llnodePlugin, "/p/llnode.so");
    assert.equal(settings.limits.debuggerBatchMs, 20_000);
    assert.equal(settings.limits.registry.attempts, 2);
    assert.equal(settings.limits.registry.stallMs, 500);
    assert.equal(settings.limits.storeReadMs, 30_000, "a negative value keeps the default");
  });

  it("ignores a relative XDG_CACHE_HOME, as the XDG spec says", () => {
    assert.equal(
      readSettings({ XDG_CACHE_HOME: "cache" }).cacheDir,
      path.join(homedir(), ".cache", "coredump"),
    );
  });
});
