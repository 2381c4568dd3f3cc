import http from "node:http";
import net from "node:net";
import type { Readable } from "node:stream";

/** What to do to one connection's answers: cut it, or let it go silent, after so many bytes. */
export interface Fault {
  cutAfter?: number;
  stallAfter?: number;
}

/**
 * Writes what `source` sends on until the fault's byte count: then cuts (`cut`) or goes silent. Returns
 * whether the fault has struck.
 */
function passOn(
  source: Readable,
  fault: Fault,
  write: (data: Buffer) => void,
  cut: () => void,
): () => boolean {
  const limit = Math.min(
    fault.cutAfter ?? Number.POSITIVE_INFINITY,
    fault.stallAfter ?? Number.POSITIVE_INFINITY,
  );
  let sent = 0;
  source.on("data", (data: Buffer) => {
    if (sent >= limit) return;
    const allowed = data.subarray(0, Math.max(0, limit - sent));
    sent += allowed.length;
    write(allowed);
    if (fault.cutAfter !== undefined && sent >= fault.cutAfter) cut();
  });
  return () => sent >= limit;
}

/**
 * A TCP proxy in front of the rig's S3 that breaks connections on purpose, as real networks do: the
 * `plan` says, for the n-th connection (from 0), after how many bytes sent back to the client it is
 * cut (both sockets destroyed) or stalls (bytes stop, the socket stays open).
 */
export class FaultProxy {
  connections = 0;
  private readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;

  private constructor(target: URL, plan: (connection: number) => Fault) {
    this.server = net.createServer((client) => {
      const fault = plan(this.connections++);
      const upstream = net.connect(Number(target.port), target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on("close", () => this.sockets.delete(socket));
        socket.on("error", () => undefined);
      }
      client.pipe(upstream);
      passOn(
        upstream,
        fault,
        (data) => client.write(data),
        () => {
          client.destroy();
          upstream.destroy();
        },
      );
      upstream.on("end", () => client.end());
      client.on("close", () => upstream.destroy());
    });
  }

  static async start(target: string, plan: (connection: number) => Fault): Promise<FaultProxy> {
    const proxy = new FaultProxy(new URL(target), plan);
    await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** What to do to one HTTP request: answer it here with `status` (and `Retry-After`), or forward it and break its body. */
export interface HttpFault extends Fault {
  status?: number;
  retryAfter?: string;
  /** Forward it without its `Range` header, as a registry that ignores ranges would answer. */
  dropRange?: boolean;
}

/** One request as the HTTP fault proxy saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  range?: string;
  at: number;
  /** The status the proxy answered with itself, if it did. */
  faulted?: number;
}

/**
 * An HTTP proxy in front of one of the rig's registries that fails requests on purpose: the `plan` says,
 * for the n-th request (from 0), whether to answer it with an error status itself, or to forward it and
 * cut or stall its body after so many bytes. It keeps every request it saw, in order.
 */
export class HttpFaultProxy {
  readonly requests: SeenRequest[] = [];
  private readonly sockets = new Set<net.Socket>();
  private readonly server: http.Server;

  private constructor(target: URL, plan: (index: number, request: SeenRequest) => HttpFault | undefined) {
    this.server = http.createServer((request, response) => {
      const seen: SeenRequest = { method: request.method ?? "GET", path: request.url ?? "/", at: Date.now() };
      if (typeof request.headers.range === "string") seen.range = request.headers.range;
      const fault = plan(this.requests.length, seen) ?? {};
      this.requests.push(seen);
      if (fault.status !== undefined) {
        seen.faulted = fault.status;
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (fault.retryAfter !== undefined) headers["retry-after"] = fault.retryAfter;
        response
          .writeHead(fault.status, headers)
          .end('{"errors":[{"code":"UNAVAILABLE","message":"fault proxy"}]}');
        return;
      }
      const headers = { ...request.headers };
      if (fault.dropRange) delete headers.range;
      const upstream = http.request(
        { host: target.hostname, port: target.port, method: request.method, path: request.url, headers },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          const faulted = passOn(
            answer,
            fault,
            (data) => response.write(data),
            () => {
              response.socket?.destroy();
              answer.destroy();
            },
          );
          answer.on("end", () => {
            if (!faulted()) response.end();
          });
        },
      );
      upstream.on("error", () => response.socket?.destroy());
      request.pipe(upstream);
    });
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  static async start(
    target: string,
    plan: (index: number, request: SeenRequest) => HttpFault | undefined,
  ): Promise<HttpFaultProxy> {
    const proxy = new HttpFaultProxy(new URL(target), plan);
    await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  /** `127.0.0.1:PORT`: a loopback registry name, spoken to over plain HTTP. */
  get registry(): string {
    return `127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
