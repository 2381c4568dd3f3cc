import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkedRealm } from "../../src/image/realm.js";
import { RegistryError } from "../../src/image/registry-error.js";
import { backoffMs, isTransient, REGISTRY_RETRY_LIMITS, retryAfterMs } from "../../src/image/retry-policy.js";

describe("registry retries: backoff, Retry-After, transient errors", () => {
  it("doubles the wait up to its cap, jittering its upper half", () => {
    const limits = { ...REGISTRY_RETRY_LIMITS, baseDelayMs: 100, maxDelayMs: 1000 };
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((attempt) => backoffMs(attempt, limits, () => 0)),
      [50, 100, 200, 400, 500],
    );
    assert.deepEqual(
      [0, 1, 5].map((attempt) => backoffMs(attempt, limits, () => 1)),
      [100, 200, 1000],
    );
  });

  it("reads Retry-After as seconds or as an HTTP date, and nothing else", () => {
    assert.equal(retryAfterMs("7"), 7000);
    const now = Date.parse("2026-12-01T10:00:00Z");
    assert.equal(retryAfterMs("Tue, 01 Dec 2026 10:00:30 GMT", now), 30_000);
    assert.equal(retryAfterMs("Tue, 01 Dec 2026 09:00:00 GMT", now), 0);
    assert.equal(retryAfterMs("soon"), undefined);
    assert.equal(retryAfterMs(null), undefined);
  });

  it("tries again after a reset or a stall, not after a refused connection or an unknown host", () => {
    const fetchFailed = (code: string) => Object.assign(new TypeError("fetch failed"), { cause: { code } });
    assert.equal(isTransient(fetchFailed("ECONNRESET")), true);
    assert.equal(isTransient(fetchFailed("UND_ERR_SOCKET")), true);
    assert.equal(isTransient(Object.assign(new Error("silent"), { code: "COREDUMP_STALLED" })), true);
    assert.equal(isTransient(fetchFailed("ECONNREFUSED")), false);
    assert.equal(isTransient(fetchFailed("ENOTFOUND")), false);
    assert.equal(isTransient(new RegistryError("not-found", "gone")), false);
  });
});

describe("the token realm, checked before credentials go to it", () => {
  const refused = (pattern: RegExp) => (error: unknown) =>
    error instanceof RegistryError && error.kind === "protocol" && pattern.test(error.message);

  it("accepts https, and plain http on loopback or for a registry named insecure", () => {
    assert.equal(checkedRealm("https://auth.example/token", "registry.example").host, "auth.example");
    assert.equal(checkedRealm("http://127.0.0.1:5003/token", "127.0.0.1:5002").port, "5003");
    assert.equal(checkedRealm("http://[::1]:5003/token", "registry.example").port, "5003");
    assert.equal(checkedRealm("http://auth.lan/token", "registry.lan", ["registry.lan"]).host, "auth.lan");
  });

  it("refuses plain http elsewhere, other schemes, user info and what is not a URL", () => {
    assert.throws(() => checkedRealm("http://auth.example/token", "registry.example"), refused(/not https/));
    assert.throws(() => checkedRealm("http://auth.example/token", "127.0.0.1:5000"), refused(/not https/));
    assert.throws(() => checkedRealm("file:///etc/passwd", "registry.example"), refused(/not https/));
    assert.throws(() => checkedRealm("https://u:p@auth.example/", "registry.example"), refused(/user info/));
    assert.throws(() => checkedRealm("/token", "registry.example"), refused(/not a URL/));
  });
});
