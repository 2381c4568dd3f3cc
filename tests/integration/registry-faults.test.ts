import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { anonymousKeychain } from "../../src/image/keychain.js";
import type { Descriptor } from "../../src/image/manifest.js";
import { parseReference } from "../../src/image/reference.js";
import { RegistryClient } from "../../src/image/registry-client.js";
import { RegistryError } from "../../src/image/registry-error.js";
import { REGISTRY_RETRY_LIMITS, type RetryLimits } from "../../src/image/retry-policy.js";
import { type HttpFault, HttpFaultProxy, type SeenRequest } from "../support/fault-proxy.js";
import { OciPusher } from "../support/oci-push.js";
import { fileAt, freshRepository, pull, pushLayers } from "../support/registry-images.js";
import { rigRegistry } from "../support/registry-rig.js";

/** Short waits, so that a test of many faults takes seconds. */
const FAST: RetryLimits = { ...REGISTRY_RETRY_LIMITS, baseDelayMs: 20, maxDelayMs: 200, stallMs: 700 };

describe("the registry client under faults, through a fault proxy in front of the rig's open registry", () => {
  const rig = rigRegistry();
  const binary = randomBytes(3 << 20); // random: gzip keeps the layer about as large
  let repository: string;
  let layer: Descriptor;
  const proxies: HttpFaultProxy[] = [];

  before(async () => {
    repository = freshRepository("faults");
    const pushed = await pushLayers(new OciPusher(rig.open), repository, "v1", [
      fileAt("/usr/local/bin/node", binary),
    ]);
    const [first] = pushed.layers;
    assert.ok(first);
    layer = first;
  });
  after(async () => {
    for (const proxy of proxies) await proxy.stop();
  });

  const proxy = async (plan: (index: number, request: SeenRequest) => HttpFault | undefined) => {
    const started = await HttpFaultProxy.start(`http://${rig.open}`, plan);
    proxies.push(started);
    return started;
  };
  const client = (registry: string, limits: RetryLimits = FAST) =>
    new RegistryClient(parseReference(`${registry}/${repository}:v1`), {
      keychain: anonymousKeychain,
      limits,
    });
  const readAll = async (client: RegistryClient) => {
    const chunks: Buffer[] = [];
    for await (const chunk of await client.blob(layer, "the layer")) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };
  const isLayer = (request: SeenRequest) => request.path.endsWith(`/blobs/${layer.digest}`);

  it("pulls the executable when every second request is answered 503", async () => {
    const faulty = await proxy((index) => (index % 2 === 0 ? { status: 503 } : undefined));
    const pulled = await pull(`${faulty.registry}/${repository}:v1`);
    assert.ok(pulled.bytes.equals(binary));
    assert.ok(faulty.requests.filter((request) => request.faulted === 503).length >= 3);
  });

  it("waits what a 429's Retry-After asks before trying the manifest again", async () => {
    const faulty = await proxy((index) => (index === 0 ? { status: 429, retryAfter: "1" } : undefined));
    await client(faulty.registry).manifest("v1");
    const [limited, next] = faulty.requests;
    assert.equal(limited?.faulted, 429);
    assert.ok(
      next && limited && next.at - limited.at >= 1000,
      `tried again after ${next && limited ? next.at - limited.at : "?"} ms`,
    );
  });

  it("resumes a blob whose connection is cut halfway with a Range from the next byte", async () => {
    let cut = false;
    const faulty = await proxy((_, request) => {
      if (!isLayer(request) || cut) return undefined;
      cut = true;
      return { cutAfter: layer.size >> 1 };
    });
    const bytes = await readAll(client(faulty.registry));
    assert.equal(bytes.length, layer.size);
    const ranges = faulty.requests.filter(isLayer).map((request) => request.range);
    assert.equal(ranges.length, 2);
    assert.match(ranges[1] ?? "", /^bytes=\d+-$/);
    assert.ok(Number(/\d+/.exec(ranges[1] ?? "")?.[0]) > 0);
  });

  it("resumes a blob whose connection goes silent, and one from a registry that ignores Range", async () => {
    let faults = 0;
    const faulty = await proxy((_, request) => {
      if (!isLayer(request)) return undefined;
      faults++;
      if (faults === 1) return { stallAfter: layer.size >> 2 };
      if (faults === 2) return { dropRange: true, cutAfter: layer.size >> 1 };
      return { dropRange: true };
    });
    const bytes = await readAll(client(faulty.registry));
    assert.equal(bytes.length, layer.size, "every byte, verified against the digest");
    assert.equal(faulty.requests.filter(isLayer).length, 3);
  });

  it("gives up after a bounded number of tries with one line that says to try again later", async () => {
    const faulty = await proxy(() => ({ status: 503 }));
    await assert.rejects(client(faulty.registry).manifest("v1"), (error: unknown) => {
      assert.ok(error instanceof RegistryError, String(error));
      assert.equal(error.kind, "unreachable");
      assert.match(
        error.message,
        /answered HTTP 503 at the last of 5 tries of .*manifests\/v1 .*: try again later$/,
      );
      assert.doesNotMatch(error.message, /\n/);
      return true;
    });
    assert.equal(faulty.requests.length, FAST.attempts);
  });

  it("gives up at once when Retry-After asks for longer than the whole budget", async () => {
    const faulty = await proxy(() => ({ status: 429, retryAfter: "3600" }));
    await assert.rejects(
      client(faulty.registry).manifest("v1"),
      /it asks to wait 3600 s more\): try again later/,
    );
    assert.equal(faulty.requests.length, 1);
  });
});
