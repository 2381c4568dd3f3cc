import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * An HTTP proxy in front of the rig's S3 that counts the requests passing through, so a test can prove
 * that a command read nothing (a warm cache) or read only part of an object. Headers, the signed Host
 * included, pass unchanged, so SigV4 signatures still verify.
 */
export interface ProxiedRequest {
  method: string;
  path: string;
  range?: string;
  /** Requests in flight when this one arrived, itself included. */
  inFlight: number;
  /** Sent by the AWS SDK (its user agent), not by the store's light path. */
  bySdk: boolean;
}

export interface ProxyFaults {
  throttle?: (request: number) => boolean;
  latencyMs?: number;
  cut?: (request: ProxiedRequest) => boolean;
}

export class CountingProxy {
  readonly requests: ProxiedRequest[] = [];
  /** Requests answered 503 SlowDown by `throttle`. */
  throttled = 0;
  private inFlight = 0;
  private readonly server: http.Server;

  /**
   * `throttle(n)`: whether to answer the n-th request (from 0) as an overloaded S3 does, 503 SlowDown.
   * `latencyMs`: how long each request waits before it is answered or passed on, as a distant store's
   * round trip makes it wait; without it, a client on loopback rarely has many requests in flight at once.
   * `cut`: requests whose connection is closed unanswered, as a TLS or proxy failure would end them.
   */
  private constructor(target: URL, { throttle, latencyMs = 0, cut }: ProxyFaults) {
    this.server = http.createServer(async (request, response) => {
      const range = request.headers.range;
      this.inFlight += 1;
      response.on("close", () => {
        this.inFlight -= 1;
      });
      this.requests.push({
        method: request.method ?? "",
        path: request.url ?? "",
        ...(range ? { range } : {}),
        inFlight: this.inFlight,
        bySdk: /aws-sdk-js/.test(`${request.headers["user-agent"]} ${request.headers["x-amz-user-agent"]}`),
      });
      const seen = this.requests.at(-1) as ProxiedRequest;
      if (cut?.(seen)) {
        request.socket.destroy();
        return;
      }
      const throttling = throttle?.(this.requests.length - 1);
      if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
      if (throttling) {
        this.throttled += 1;
        request.resume();
        response.writeHead(503, { "content-type": "application/xml" });
        response.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
        );
        return;
      }
      const upstream = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: request.method,
          path: request.url,
          headers: request.headers,
        },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      upstream.on("error", () => response.destroy());
      request.pipe(upstream);
    });
  }

  static async start(target: string, faults: ProxyFaults = {}): Promise<CountingProxy> {
    const proxy = new CountingProxy(new URL(target), faults);
    await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Object reads (GET of a key, not a listing). */
  objectReads(): ProxiedRequest[] {
    return this.requests.filter(
      (request) => request.method === "GET" && !/[?&]list-type=/.test(request.path),
    );
  }

  reset(): void {
    this.requests.length = 0;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
