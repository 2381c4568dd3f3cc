import net from "node:net";

/** What to do to one connection's answers: cut it, or let it go silent, after so many bytes. */
export interface Fault {
  cutAfter?: number;
  stallAfter?: number;
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
      let sent = 0;
      upstream.on("data", (data: Buffer) => {
        const limit = Math.min(
          fault.cutAfter ?? Number.POSITIVE_INFINITY,
          fault.stallAfter ?? Number.POSITIVE_INFINITY,
        );
        if (sent >= limit) return;
        const allowed = data.subarray(0, Math.max(0, limit - sent));
        sent += allowed.length;
        client.write(allowed);
        if (sent >= limit && fault.cutAfter !== undefined && sent >= fault.cutAfter) {
          client.destroy();
          upstream.destroy();
        }
      });
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
