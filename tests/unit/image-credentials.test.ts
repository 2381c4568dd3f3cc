import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { parseHelperAnswer } from "../../src/image/credential-helper.js";
import { lookUpDockerConfig } from "../../src/image/docker-config.js";
import { defaultKeychain } from "../../src/image/keychain.js";
import { readSettings } from "../../src/settings.js";

const auth = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString("base64");

describe("Docker config lookup", () => {
  it("finds `auth` under any spelling of the registry, Docker Hub's v1 URL included", () => {
    const config = {
      auths: {
        "https://index.docker.io/v1/": { auth: auth("hub-user", "hub:pass") },
        "registry.example.com:5000": { auth: auth("u", "p") },
        "https://ghcr.io": { username: "gh", password: "token" },
      },
    };
    assert.deepEqual(lookUpDockerConfig(config, "docker.io", "cfg"), {
      kind: "basic",
      username: "hub-user",
      password: "hub:pass",
      source: "cfg",
    });
    assert.equal(lookUpDockerConfig(config, "registry.example.com:5000", "cfg")?.kind, "basic");
    assert.deepEqual(lookUpDockerConfig(config, "ghcr.io", "cfg"), {
      kind: "basic",
      username: "gh",
      password: "token",
      source: "cfg",
    });
    assert.equal(lookUpDockerConfig(config, "quay.io", "cfg"), undefined);
  });

  it("prefers credHelpers, reads identity tokens, and falls back to credsStore", () => {
    const config = {
      credHelpers: { "123.dkr.ecr.us-east-1.amazonaws.com": "ecr-login" },
      credsStore: "desktop",
      auths: { "ghcr.io": { identitytoken: "refresh-me" }, "quay.io": {} },
    };
    assert.deepEqual(lookUpDockerConfig(config, "123.dkr.ecr.us-east-1.amazonaws.com", "c"), {
      kind: "helper",
      helper: "ecr-login",
      source: "c (credHelpers)",
    });
    assert.deepEqual(lookUpDockerConfig(config, "ghcr.io", "c"), {
      kind: "identity-token",
      token: "refresh-me",
      source: "c",
    });
    assert.deepEqual(lookUpDockerConfig(config, "quay.io", "c"), {
      kind: "helper",
      helper: "desktop",
      source: "c (credsStore)",
    });
  });

  it("reads a credential helper's answer, `<token>` meaning an identity token", () => {
    assert.deepEqual(parseHelperAnswer('{"ServerURL":"x","Username":"AWS","Secret":"s3cret"}', "h"), {
      kind: "basic",
      username: "AWS",
      password: "s3cret",
      source: "h",
    });
    assert.deepEqual(parseHelperAnswer('{"Username":"<token>","Secret":"t"}', "h"), {
      kind: "identity-token",
      token: "t",
      source: "h",
    });
    assert.equal(parseHelperAnswer("credentials not found in native keychain", "h"), undefined);
  });
});

describe("default keychain", () => {
  it("reads DOCKER_CONFIG, then mounted pull secrets, and runs docker-credential-<name>", async () => {
    const home = await mkdtemp(path.join(tmpdir(), "coredump-keychain-"));
    const dockerConfig = path.join(home, "docker");
    const secret = path.join(home, "pull-secret");
    const bin = path.join(home, "bin");
    await Promise.all([mkdir(dockerConfig), mkdir(secret), mkdir(bin)]);
    await writeFile(
      path.join(dockerConfig, "config.json"),
      JSON.stringify({
        auths: { "a.example": { auth: auth("a", "pa") } },
        credHelpers: { "h.example": "rig" },
      }),
    );
    await writeFile(
      path.join(secret, ".dockerconfigjson"),
      JSON.stringify({ auths: { "https://b.example": { auth: auth("b", "pb") } } }),
    );
    // The helper answers for the server URL it reads on stdin, as Docker's protocol says.
    const helper = path.join(bin, "docker-credential-rig");
    await writeFile(
      helper,
      '#!/bin/sh\nread url\n[ "$1" = get ] && [ "$url" = h.example ] && echo \'{"Username":"hu","Secret":"hs"}\' && exit 0\necho "credentials not found" >&2; exit 1\n',
    );
    await chmod(helper, 0o755);
    const keychain = defaultKeychain(
      readSettings({
        DOCKER_CONFIG: dockerConfig,
        COREDUMP_PULL_SECRETS: secret,
        PATH: `${bin}:${process.env.PATH}`,
        HOME: home,
      }),
    );
    assert.deepEqual(await keychain.resolve("a.example"), {
      kind: "basic",
      username: "a",
      password: "pa",
      source: path.join(dockerConfig, "config.json"),
    });
    assert.deepEqual(await keychain.resolve("b.example"), {
      kind: "basic",
      username: "b",
      password: "pb",
      source: path.join(secret, ".dockerconfigjson"),
    });
    assert.deepEqual(await keychain.resolve("h.example"), {
      kind: "basic",
      username: "hu",
      password: "hs",
      source: "docker-credential-rig",
    });
    assert.equal(await keychain.resolve("c.example"), undefined);
  });
});
