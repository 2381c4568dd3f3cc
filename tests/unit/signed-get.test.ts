import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeKey, routeOfListing } from "../../src/store/signed-get.js";

describe("the light path's route and key encoding", () => {
  const authorization =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261202/eu-west-3/s3/aws4_request, SignedHeaders=host, Signature=00";

  it("takes host, port, bucket path and the credential scope from a signed listing", () => {
    assert.deepEqual(
      routeOfListing({
        protocol: "http:",
        hostname: "127.0.0.1",
        port: 7480,
        path: "/cores/",
        query: { "list-type": "2", prefix: "" },
        headers: { authorization },
      }),
      {
        protocol: "http:",
        hostname: "127.0.0.1",
        port: 7480,
        bucketPath: "/cores",
        region: "eu-west-3",
        service: "s3",
      },
    );
    const virtualHosted = routeOfListing({
      protocol: "https:",
      hostname: "cores.s3.eu-west-3.amazonaws.com",
      path: "/",
      query: { "list-type": "2" },
      headers: { authorization },
    });
    assert.equal(virtualHosted?.bucketPath, "");
    assert.equal(virtualHosted?.port, undefined);
  });

  it("learns nothing from what is not a SigV4 listing", () => {
    const base = { protocol: "https:", hostname: "h", path: "/b/k", headers: { authorization } };
    assert.equal(routeOfListing({ ...base, query: {} }), undefined);
    assert.equal(routeOfListing({ ...base, query: { "list-type": "2" }, headers: {} }), undefined);
  });

  it("encodes each segment as RFC 3986 says and keeps the slashes", () => {
    assert.equal(encodeKey("ns/a b+c/x!'()*~.zip"), "ns/a%20b%2Bc/x%21%27%28%29%2A~.zip");
    assert.equal(encodeKey("pod-ü/\u001b[2J.zip"), "pod-%C3%BC/%1B%5B2J.zip");
  });
});
