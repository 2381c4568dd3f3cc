import assert from "node:assert/strict";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer, type Server, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { type CliResult, coredump } from "../support/cli.js";
import { freshBucket, rigS3, s3Env } from "../support/s3-rig.js";

const rig = rigS3();

function oneLine(result: CliResult): string {
  assert.equal(result.exitCode, 1, result.stderr);
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, result.stderr);
  return lines[0] as string;
}

function endpointOf(server: Server | HttpServer, userinfo = ""): string {
  return `http://${userinfo}127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const env = (endpoint: string) => ({
  S3_ENDPOINT: endpoint,
  S3_BUCKET_NAME: "cores",
  S3_ACCESS_KEY: "AK",
  S3_SECRET: "secret",
  COREDUMP_READ_TIMEOUT: "1",
});

describe("hostile #9, #11, #14: endpoints that are silent, not S3, or carry a password", () => {
  /** Accepts every connection and never answers. */
  let silent: Server;
  const sockets: Socket[] = [];
  /** Answers everything with a bare 404 page, as a web server in front of nothing does. */
  let notS3: HttpServer;

  before(async () => {
    silent = createServer((socket) => sockets.push(socket));
    notS3 = createHttpServer((_request, response) => {
      response.writeHead(404, { "content-type": "text/html" }).end("<html><body>Not Found</body></html>");
    });
    await Promise.all([
      new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve)),
      new Promise<void>((resolve) => notS3.listen(0, "127.0.0.1", resolve)),
    ]);
  });
  after(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
    notS3.close();
  });

  it("#9 list gives up on a silent endpoint after the read timeout and its retries", async () => {
    const started = Date.now();
    const line = oneLine(await coredump(["list"], env(endpointOf(silent))));
    assert.match(line, /cannot reach s3:\/\/cores\/ at http:\/\/127\.0\.0\.1:\d+: TimeoutError/);
    assert.ok(Date.now() - started < 60_000);
  });

  it("#14 a bare 404 to a listing says the endpoint does not look like S3", async () => {
    const line = oneLine(await coredump(["list"], env(endpointOf(notS3))));
    assert.match(line, /answered a bucket listing with a bare HTTP 404: the endpoint does not look like S3/);
  });

  it("#11 a password in the endpoint URL is never printed", async () => {
    for (const result of [
      await coredump(["list"], env(endpointOf(notS3, "AK:hunter2@"))),
      await coredump(["list", "--debug"], env(endpointOf(silent, "AK:hunter2@"))),
      await coredump(["info", "last"], {
        ...s3Env(rig, await freshBucket(rig, "hostile-endpoint")),
        S3_ENDPOINT: rig.endpoint.replace("://", "://AK:hunter2@"),
        S3_SECRET: "wrong",
      }),
    ]) {
      assert.equal(result.exitCode, 1, result.stderr);
      assert.doesNotMatch(`${result.stdout}${result.stderr}`, /hunter2/);
    }
  });
});
