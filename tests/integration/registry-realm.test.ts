import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { Keychain } from "../../src/image/keychain.js";
import { parseReference } from "../../src/image/reference.js";
import { RegistryClient } from "../../src/image/registry-client.js";
import { RegistryError } from "../../src/image/registry-error.js";

/**
 * A registry on loopback whose challenge names the token realm it is given: the client must check that
 * realm before it even looks up the credentials, so that none can leave for a plain-http host.
 */
describe("the token realm is checked before credentials are looked up", () => {
  let realm = "";
  let server: http.Server;
  let registry = "";
  const tokenRequests: string[] = [];

  before(async () => {
    server = http.createServer((request, response) => {
      if (request.url?.startsWith("/token")) {
        tokenRequests.push(request.headers.authorization ?? "");
        response.writeHead(200, { "content-type": "application/json" }).end('{"token":"t"}');
        return;
      }
      response
        .writeHead(401, { "www-authenticate": `Bearer realm="${realm}",service="test"` })
        .end('{"errors":[{"code":"UNAUTHORIZED"}]}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    registry = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  const recording = () => {
    const asked: string[] = [];
    const keychain: Keychain = {
      resolve: async (name) => {
        asked.push(name);
        return { kind: "basic", username: "u", password: "secret-password", source: "test" };
      },
    };
    return { asked, keychain };
  };

  it("refuses a plain-http realm off loopback, without asking the keychain", async () => {
    realm = "http://auth.example.invalid/token";
    const { asked, keychain } = recording();
    const client = new RegistryClient(parseReference(`${registry}/team/app:v1`), { keychain });
    await assert.rejects(client.manifest("v1"), (error: unknown) => {
      assert.ok(error instanceof RegistryError && error.kind === "protocol", String(error));
      assert.match(error.message, /sends for tokens to http:\/\/auth\.example\.invalid, which is not https/);
      return true;
    });
    assert.deepEqual(asked, []);
  });

  it("sends the credentials to a loopback realm (as the tests' token server is)", async () => {
    realm = `http://${registry}/token`;
    const { asked, keychain } = recording();
    const client = new RegistryClient(parseReference(`${registry}/team/app:v1`), { keychain });
    await assert.rejects(client.manifest("v1"), RegistryError); // the token does not open this registry
    assert.deepEqual(asked, [registry]);
    assert.match(tokenRequests.at(-1) ?? "", /^Basic /);
  });
});
