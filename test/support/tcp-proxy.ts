import net from 'node:net';

/**
 * A TCP proxy between the app and a server (Postgres), so a test can make the server look restarted,
 * down or hung to the app without touching the shared server others' tests use.
 */
export class TcpProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private mode: 'forward' | 'blackhole' = 'forward';
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(port = this.port): Promise<void> {
    if (this.server) return;
    this.server = net.createServer((client) => {
      this.track(client);
      if (this.mode === 'blackhole') return; // accepted, never answered
      const upstream = net.connect(this.targetPort, this.targetHost);
      this.track(upstream);
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  /** Every open connection dies at once, as when the server restarts. */
  cutConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  /** The server is down: connections are cut and new ones refused. */
  async stop(): Promise<void> {
    this.cutConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  /** The server hangs: connections are accepted and never answered. */
  blackhole(on: boolean): void {
    this.mode = on ? 'blackhole' : 'forward';
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }
}
