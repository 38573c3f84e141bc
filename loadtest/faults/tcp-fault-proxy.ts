// A real TCP proxy that injects network faults between two real processes (issue 11): in front of
// Redis, ScyllaDB or a component port. Modes, switchable at any time:
//   pass     forward both ways;
//   delay    forward each chunk `delayMs` late (order kept): a slow link or a slow server;
//   stall    stop reading both ways (the kernel buffers fill, the writer's own bounds take over):
//            a peer that stops reading its socket, or a black hole that never answers;
//   down     cut every connection and refuse new ones: the server is unreachable.
import { createServer, connect, type Server, type Socket } from 'node:net';

export type ProxyMode = { kind: 'pass' } | { kind: 'delay'; delayMs: number } | { kind: 'stall' } | { kind: 'down' };

interface Pair {
  client: Socket;
  upstream: Socket;
}

export class TcpFaultProxy {
  private readonly server: Server;
  private readonly pairs = new Set<Pair>();
  private mode: ProxyMode = { kind: 'pass' };
  port = 0;

  constructor(private readonly upstreamPort: number, private readonly upstreamHost = '127.0.0.1') {
    this.server = createServer((client) => this.accept(client));
  }

  /** Listens on `port` (0: a free one); resolves to the port. */
  async listen(port = 0): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  get connections(): number {
    return this.pairs.size;
  }

  set(mode: ProxyMode): void {
    this.mode = mode;
    for (const pair of [...this.pairs]) {
      if (mode.kind === 'down') this.cut(pair);
      else if (mode.kind === 'stall') (pair.client.pause(), pair.upstream.pause());
      else (pair.client.resume(), pair.upstream.resume());
    }
  }

  async close(): Promise<void> {
    for (const pair of [...this.pairs]) this.cut(pair);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.mode.kind === 'down') {
      client.destroy();
      return;
    }
    const upstream = connect(this.upstreamPort, this.upstreamHost);
    const pair: Pair = { client, upstream };
    this.pairs.add(pair);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    this.pipe(client, upstream);
    this.pipe(upstream, client);
    const end = () => this.cut(pair);
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
    if (this.mode.kind === 'stall') (client.pause(), upstream.pause());
  }

  private pipe(from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      const mode = this.mode;
      if (mode.kind === 'delay') setTimeout(() => to.destroyed || to.write(chunk), mode.delayMs);
      else if (!to.destroyed && !to.write(chunk) && mode.kind === 'pass') {
        // bounded: stop reading until the other side drained (a stall keeps both paused)
        from.pause();
        to.once('drain', () => this.mode.kind !== 'stall' && from.resume());
      }
    });
  }

  private cut(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    pair.client.destroy();
    pair.upstream.destroy();
  }
}
