/**
 * A TCP proxy on 127.0.0.1 that caps the bytes flowing through it, as a real network link would: one
 * token bucket per direction, shared by every connection, so four parallel GETs share the rate as they
 * would share a link. Bytes pass unchanged (HTTP, Host header and all), so S3 signatures made for the
 * proxy's address verify at the server behind it.
 *
 *   const throttle = await Throttle.start("127.0.0.1:7480", 100e6);
 *   … clients use throttle.endpoint …
 *   await throttle.stop();
 *
 * Each chunk reserves its transmission time on the shared clock; its source socket is paused until the
 * link would have sent it, so the rate holds within a chunk (64 KiB, under a millisecond at 100 MB/s).
 */
import net from "node:net";

class Link {
  /** performance.now() at which the link has sent everything reserved so far. */
  private freeAt = 0;
  bytes = 0;

  constructor(
    private readonly bytesPerSecond: number,
    /** Bytes an idle link may send at once, as a link's buffers allow. */
    private readonly burst: number,
  ) {}

  /** Reserves `bytes` and returns in how many milliseconds the link will have sent them. */
  reserve(bytes: number): number {
    const now = performance.now();
    const start = Math.max(this.freeAt, now - (this.burst / this.bytesPerSecond) * 1000);
    this.freeAt = start + (bytes / this.bytesPerSecond) * 1000;
    this.bytes += bytes;
    return this.freeAt - now;
  }
}

export class Throttle {
  private readonly sockets = new Set<net.Socket>();
  readonly down: Link;
  readonly up: Link;

  private constructor(
    private readonly server: net.Server,
    private readonly target: { host: string; port: number },
    bytesPerSecond: number,
  ) {
    this.down = new Link(bytesPerSecond, 256 * 1024);
    this.up = new Link(bytesPerSecond, 256 * 1024);
    server.on("connection", (client) => this.connect(client));
  }

  /** Listens on an ephemeral port of 127.0.0.1 in front of `target` (`host:port` or a URL). */
  static async start(target: string, bytesPerSecond: number): Promise<Throttle> {
    const url = new URL(target.includes("://") ? target : `tcp://${target}`);
    const server = net.createServer();
    const throttle = new Throttle(server, { host: url.hostname, port: Number(url.port) }, bytesPerSecond);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return throttle;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private connect(client: net.Socket): void {
    const server = net.connect(this.target);
    for (const socket of [client, server]) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      socket.on("close", () => this.sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        server.destroy();
      });
    }
    pump(client, server, this.up);
    pump(server, client, this.down);
  }
}

/** Copies `from` to `to` at the link's pace, honouring `to`'s backpressure too. */
function pump(from: net.Socket, to: net.Socket, link: Link): void {
  let holds = 0;
  const hold = () => {
    if (holds++ === 0) from.pause();
  };
  const release = () => {
    if (--holds === 0 && !from.destroyed) from.resume();
  };
  from.on("data", (chunk: Buffer) => {
    const wait = link.reserve(chunk.length);
    if (!to.write(chunk)) {
      hold();
      to.once("drain", release);
    }
    if (wait > 1) {
      hold();
      setTimeout(release, wait);
    }
  });
  from.on("end", () => to.end());
  from.on("close", () => {
    if (!to.destroyed && !to.writableEnded) to.end();
  });
}
