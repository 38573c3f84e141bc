// Free TCP ports on loopback for the servers of tests and load tests, which bind them a moment
// later. They are picked below the kernel's ephemeral port range when there is room: a port inside
// it that is free now may be given to some outgoing connection (a client, an s2s stream, a load
// generator) before the server binds it (CI failed so twice: EADDRINUSE on 41353, on 57612). One
// process never hands out a port twice (concurrent callers, servers not listening yet). All the
// sockets of one call are held until every port is known.
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';

/** Where picking starts; up to the ephemeral range. */
const PICK_FROM = 10000;
/** Ports this process handed out. */
const handedOut = new Set<number>();

/** The kernel's ephemeral port range (Linux; the usual default elsewhere). */
export function ephemeralPortRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low > 0 && high >= low) return [low, high];
  } catch {
    // not Linux
  }
  return [32768, 60999];
}

/** Whether this process already handed `port` out (a fleet's block must not contain it). */
export function handedOutPort(port: number): boolean {
  return handedOut.has(port);
}

/** Ports chosen some other way (a fleet's block): never handed out by freePorts. */
export function reservePorts(ports: readonly number[]): void {
  for (const port of ports) handedOut.add(port);
}

function listenOn(port: number, host: string): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, host, () => resolve(server));
  });
}

export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const span = ephemeralPortRange()[0] - PICK_FROM;
  if (handedOut.size > span / 2) handedOut.clear(); // a very long run: old servers are gone by now
  const servers: Server[] = [];
  try {
    for (let attempt = 0; servers.length < count; attempt++) {
      // The kernel picks (port 0) only when there is no room below its range or nothing was free there.
      const port = span >= 1000 && attempt < 100 * count ? PICK_FROM + Math.floor(Math.random() * span) : 0;
      if (handedOut.has(port)) continue;
      const server = await listenOn(port, host);
      if (!server) continue;
      const got = (server.address() as AddressInfo).port;
      if (handedOut.has(got)) {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        continue;
      }
      handedOut.add(got);
      servers.push(server);
    }
    return servers.map((s) => (s.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

export async function freePort(host?: string): Promise<number> {
  return (await freePorts(1, host))[0];
}
