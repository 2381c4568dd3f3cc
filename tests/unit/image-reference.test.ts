import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseChallenge, pullScope } from "../../src/image/challenge.js";
import {
  apiHost,
  formatReference,
  InvalidReferenceError,
  manifestSelector,
  parseReference,
} from "../../src/image/reference.js";
import { registryScheme } from "../../src/image/scheme.js";
import { readSettings } from "../../src/settings.js";

const DIGEST = "sha256:b8fea40ed9da77307702608d1602a812c5983e0ec0b788fc6298985a40be3800";

describe("image references", () => {
  it("fills in Docker Hub's defaults", () => {
    assert.deepEqual(parseReference("node"), {
      registry: "docker.io",
      repository: "library/node",
      tag: "latest",
    });
    assert.deepEqual(parseReference("node:18-bookworm"), {
      registry: "docker.io",
      repository: "library/node",
      tag: "18-bookworm",
    });
    assert.deepEqual(parseReference("number9/example-crashing-nodejs-app"), {
      registry: "docker.io",
      repository: "number9/example-crashing-nodejs-app",
      tag: "latest",
    });
    assert.equal(parseReference("index.docker.io/library/node:20").registry, "docker.io");
    assert.equal(parseReference("docker.io/node").repository, "library/node");
    assert.equal(apiHost("docker.io"), "registry-1.docker.io");
  });

  it("takes a first component with a dot, a port or localhost as the registry", () => {
    assert.deepEqual(parseReference("127.0.0.1:5000/team/app:v1"), {
      registry: "127.0.0.1:5000",
      repository: "team/app",
      tag: "v1",
    });
    assert.equal(parseReference("localhost/app").registry, "localhost");
    assert.equal(parseReference("ghcr.io/org/app").registry, "ghcr.io");
    assert.equal(apiHost("ghcr.io"), "ghcr.io");
  });

  it("keeps a digest over a tag, and asks for the digest", () => {
    const reference = parseReference(`docker.io/number9/app:latest@${DIGEST}`);
    assert.equal(reference.digest, DIGEST);
    assert.equal(manifestSelector(reference), DIGEST);
    assert.equal(formatReference(reference), `docker.io/number9/app@${DIGEST}`);
    assert.equal(formatReference(parseReference("node:18")), "docker.io/library/node:18");
  });

  it("rejects what is not a reference", () => {
    assert.throws(() => parseReference("Node:18"), InvalidReferenceError);
    assert.throws(() => parseReference("app@sha256:short"), /is not a digest/);
    assert.throws(() => parseReference("app:bad/tag!"), InvalidReferenceError);
  });
});

describe("registry scheme", () => {
  it("speaks HTTP to loopback and named insecure registries, HTTPS elsewhere", () => {
    assert.equal(registryScheme("127.0.0.1:5000"), "http");
    assert.equal(registryScheme("localhost:5000"), "http");
    assert.equal(registryScheme("[::1]:5000"), "http");
    assert.equal(registryScheme("docker.io"), "https");
    assert.equal(registryScheme("registry.local:5000"), "https");
    assert.equal(registryScheme("registry.local:5000", ["registry.local:5000"]), "http");
    assert.equal(registryScheme("registry.local:5000", ["http://registry.local"]), "http");
    assert.deepEqual(readSettings({ COREDUMP_INSECURE_REGISTRIES: "a:5000, b c" }).insecureRegistries, [
      "a:5000",
      "b",
      "c",
    ]);
  });
});

describe("WWW-Authenticate challenges", () => {
  it("parses Docker Hub's bearer challenge", () => {
    const challenge = parseChallenge(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/node:pull"',
    );
    assert.deepEqual(challenge, {
      scheme: "bearer",
      params: {
        realm: "https://auth.docker.io/token",
        service: "registry.docker.io",
        scope: "repository:library/node:pull",
      },
    });
  });

  it("parses basic challenges, escapes and bare values", () => {
    assert.deepEqual(parseChallenge('Basic realm="Registry \\"Realm\\""'), {
      scheme: "basic",
      params: { realm: 'Registry "Realm"' },
    });
    assert.deepEqual(parseChallenge("Bearer realm=http://x/token, service=s"), {
      scheme: "bearer",
      params: { realm: "http://x/token", service: "s" },
    });
    assert.equal(parseChallenge(""), undefined);
    assert.equal(pullScope("team/app"), "repository:team/app:pull");
  });
});
