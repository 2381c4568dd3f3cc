import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { defaultKeychain, type Keychain } from "../../src/image/keychain.js";
import { RegistryError, type RegistryErrorKind } from "../../src/image/registry-error.js";
import { readSettings } from "../../src/settings.js";
import { OciPusher } from "../support/oci-push.js";
import { fakeBinary, fileAt, freshRepository, pull, pushLayers } from "../support/registry-images.js";
import { type RigRegistry, rigRegistry } from "../support/registry-rig.js";

const basicAuth = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString("base64");

/** A keychain as a user's machine would have it: a config.json in a DOCKER_CONFIG folder. */
async function keychainWith(config: object, extraEnv: NodeJS.ProcessEnv = {}): Promise<Keychain> {
  const folder = await mkdtemp(path.join(tmpdir(), "coredump-docker-config-"));
  await writeFile(path.join(folder, "config.json"), JSON.stringify(config));
  return defaultKeychain(
    readSettings({ DOCKER_CONFIG: folder, HOME: folder, PATH: process.env.PATH, ...extraEnv }),
  );
}

function failsWith(kind: RegistryErrorKind, pattern: RegExp, secret?: string) {
  return (error: unknown) => {
    assert.ok(error instanceof RegistryError, String(error));
    assert.equal(error.kind, kind, error.message);
    assert.match(error.message, pattern);
    if (secret) assert.ok(!error.message.includes(secret), "the message must not show the secret");
    return true;
  };
}

describe("registries that want credentials", () => {
  let rig: RigRegistry;
  before(() => {
    rig = rigRegistry();
  });

  describe("basic auth (htpasswd)", () => {
    let reference: string;
    let binary: Buffer;
    before(async () => {
      const repository = freshRepository("basic");
      binary = fakeBinary("basic");
      const pusher = new OciPusher(rig.basic, { user: rig.user, password: rig.password });
      await pushLayers(pusher, repository, "v1", [fileAt("usr/local/bin/node", binary)]);
      reference = `${rig.basic}/${repository}:v1`;
    });

    it("pulls with `auth` from DOCKER_CONFIG", async () => {
      const keychain = await keychainWith({
        auths: { [rig.basic]: { auth: basicAuth(rig.user, rig.password) } },
      });
      assert.deepEqual((await pull(reference, { keychain })).bytes, binary);
    });

    it("says which user and which file a wrong password came from, and never shows it", async () => {
      const keychain = await keychainWith({
        auths: { [`http://${rig.basic}/v2/`]: { auth: basicAuth(rig.user, "wrong-secret-x") } },
      });
      await assert.rejects(
        pull(reference, { keychain }),
        failsWith(
          "bad-credentials",
          /rejected the credentials of user "coredump" \(from .*config\.json\).*docker login/,
          "wrong-secret-x",
        ),
      );
    });

    it("says how to log in when there are no credentials", async () => {
      await assert.rejects(
        pull(reference),
        failsWith("needs-credentials", /needs credentials to pull .*docker login 127\.0\.0\.1:5001/),
      );
    });
  });

  describe("token auth (the rig's token server)", () => {
    let pusher: OciPusher;
    let publicReference: string;
    let privateReference: string;
    let binary: Buffer;
    before(async () => {
      pusher = new OciPusher(rig.token, { user: rig.user, password: rig.password });
      binary = fakeBinary("token");
      const publicRepository = freshRepository("token");
      const privateRepository = `private/${freshRepository("token")}`;
      await pushLayers(pusher, publicRepository, "v1", [fileAt("usr/local/bin/node", binary)]);
      await pushLayers(pusher, privateRepository, "v1", [fileAt("usr/local/bin/node", binary)]);
      publicReference = `${rig.token}/${publicRepository}:v1`;
      privateReference = `${rig.token}/${privateRepository}:v1`;
    });

    it("pulls a public repository with an anonymous token, as from Docker Hub", async () => {
      assert.deepEqual((await pull(publicReference)).bytes, binary);
    });

    it("needs credentials for a private repository, and pulls it with them", async () => {
      await assert.rejects(
        pull(privateReference),
        failsWith("needs-credentials", /needs credentials to pull private\//),
      );
      const keychain = await keychainWith({
        auths: { [rig.token]: { username: rig.user, password: rig.password } },
      });
      assert.deepEqual((await pull(privateReference, { keychain })).bytes, binary);
    });

    it("refuses a wrong password at the token server with a clear message", async () => {
      const keychain = await keychainWith({
        auths: { [rig.token]: { auth: basicAuth(rig.user, "not-the-password") } },
      });
      await assert.rejects(
        pull(publicReference, { keychain }),
        failsWith(
          "bad-credentials",
          /127\.0\.0\.1:5002 rejected the credentials of user "coredump"/,
          "not-the-password",
        ),
      );
    });

    it("trades an identity token for an access token (OAuth2 refresh_token grant)", async () => {
      const keychain = await keychainWith({ auths: { [rig.token]: { identitytoken: rig.identityToken } } });
      assert.deepEqual((await pull(privateReference, { keychain })).bytes, binary);
      const wrong = await keychainWith({ auths: { [rig.token]: { identitytoken: "expired-token" } } });
      await assert.rejects(
        pull(privateReference, { keychain: wrong }),
        failsWith("bad-credentials", /the identity token/, "expired-token"),
      );
    });

    it("reads a mounted Kubernetes pull secret (.dockerconfigjson)", async () => {
      const secret = await mkdtemp(path.join(tmpdir(), "coredump-pull-secret-"));
      const dockerconfigjson = { auths: { [rig.token]: { auth: basicAuth(rig.user, rig.password) } } };
      await writeFile(path.join(secret, ".dockerconfigjson"), JSON.stringify(dockerconfigjson));
      const keychain = await keychainWith({}, { COREDUMP_PULL_SECRETS: secret });
      assert.deepEqual((await pull(privateReference, { keychain })).bytes, binary);
    });

    it("asks a credential helper named in credHelpers", async () => {
      const bin = await mkdtemp(path.join(tmpdir(), "coredump-helper-"));
      await mkdir(bin, { recursive: true });
      const helper = path.join(bin, "docker-credential-rig");
      await writeFile(
        helper,
        `#!/bin/sh\nread server\n[ "$server" = "${rig.token}" ] || exit 1\necho '{"ServerURL":"${rig.token}","Username":"${rig.user}","Secret":"${rig.password}"}'\n`,
      );
      await chmod(helper, 0o755);
      const keychain = await keychainWith(
        { credHelpers: { [rig.token]: "rig" } },
        { PATH: `${bin}:${process.env.PATH}` },
      );
      assert.deepEqual((await pull(privateReference, { keychain })).bytes, binary);
    });
  });

  describe("blobs in S3, served by 307 redirects to presigned URLs", () => {
    it("follows the redirect without sending the registry's token to storage", async (t) => {
      if (!rig.s3) {
        t.skip("the registry rig was started without the S3 rig");
        return;
      }
      const pusher = new OciPusher(rig.s3, { user: rig.user, password: rig.password });
      const repository = freshRepository("s3");
      const binary = fakeBinary("s3");
      const image = await pushLayers(pusher, repository, "v1", [
        fileAt("etc/base", "base"),
        fileAt("usr/local/bin/node", binary),
      ]);

      // The registry does redirect blob reads to the S3 rig, and S3 refuses a request that brings a token.
      const layer = image.layers[1];
      assert.ok(layer);
      const token = await anonymousToken(repository);
      const blobUrl = `http://${rig.s3}/v2/${repository}/blobs/${layer.digest}`;
      const answer = await fetch(blobUrl, {
        headers: { authorization: `Bearer ${token}` },
        redirect: "manual",
      });
      assert.equal(answer.status, 307);
      const location = answer.headers.get("location") ?? "";
      assert.match(location, /^http:\/\/127\.0\.0\.1:7480\/.*X-Amz-Signature=/);
      const withToken = await fetch(location, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(withToken.status, 400);

      const pulled = await pull(`${rig.s3}/${repository}:v1`);
      assert.deepEqual(pulled.bytes, binary);
    });
  });

  async function anonymousToken(repository: string): Promise<string> {
    const url = `${rig.tokenRealm}?service=coredump-rig&scope=repository:${repository}:pull`;
    const { token } = (await (await fetch(url)).json()) as { token: string };
    return token;
  }
});
